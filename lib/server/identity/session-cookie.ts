/**
 * Who a browser is: a random user id in a signed, HTTP-only cookie issued on the first page load. The signature
 * (HMAC-SHA256 with SESSION_SECRET) is what stops a client from claiming someone else's id.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isSecureRequest } from "../http/client-address";
import type { ProxyTrust } from "../http/trust-proxy";

export const SESSION_COOKIE = "tether_session";
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

export interface SessionSigner {
  sign(userId: string): string;
  /** The user id in a cookie value, or null when it is missing, malformed or forged. */
  verify(cookieValue: string | undefined): string | null;
}

export function createSessionSigner(secret: string): SessionSigner {
  const mac = (userId: string) => createHmac("sha256", secret).update(userId).digest("base64url");
  return {
    sign: (userId) => `${userId}.${mac(userId)}`,
    verify(cookieValue) {
      if (!cookieValue) return null;
      const dot = cookieValue.lastIndexOf(".");
      if (dot <= 0) return null;
      const userId = cookieValue.slice(0, dot);
      if (!/^u_[A-Za-z0-9_-]{10,64}$/.test(userId)) return null;
      const given = Buffer.from(cookieValue.slice(dot + 1));
      const expected = Buffer.from(mac(userId));
      return given.length === expected.length && timingSafeEqual(given, expected) ? userId : null;
    },
  };
}

export function newUserId(): string {
  return `u_${randomBytes(12).toString("base64url")}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // a malformed escape is treated as no cookie at all
      }
    }
  }
  return undefined;
}

/**
 * Gives a browser without a valid session cookie a new identity. Returns the user id in force. The cookie is
 * `Secure` when the request came over TLS, directly or through a proxy `trust` believes.
 */
export function ensureSessionCookie(signer: SessionSigner, req: IncomingMessage, res: ServerResponse, trust: ProxyTrust): string {
  const existing = signer.verify(readCookie(req.headers.cookie, SESSION_COOKIE));
  if (existing) return existing;
  const userId = newUserId();
  const secure = isSecureRequest(req, trust);
  const attributes = ["Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${ONE_YEAR_SECONDS}`, ...(secure ? ["Secure"] : [])];
  res.appendHeader("Set-Cookie", `${SESSION_COOKIE}=${encodeURIComponent(signer.sign(userId))}; ${attributes.join("; ")}`);
  return userId;
}

/**
 * SESSION_SECRET when set; otherwise a random secret generated once and kept in `dataDir`, so sessions survive
 * restarts of a local install without any set-up.
 */
export function resolveSessionSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, "session-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    // Another instance starting at the same moment wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw error;
  }
}
