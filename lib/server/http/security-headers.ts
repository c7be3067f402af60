import type { ServerResponse } from "node:http";

/**
 * Headers every page carries. The CSP allows what the Next.js App Router needs and nothing else: its inline
 * bootstrap scripts and styles ('unsafe-inline', as it uses no nonces on statically rendered pages), eval only
 * in development (React Refresh), and connections back to this origin (Socket.IO, HMR).
 */
export function applySecurityHeaders(res: ServerResponse, { dev }: { dev: boolean }): void {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  res.setHeader("Content-Security-Policy", csp);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}
