/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // Dev pages opened at 127.0.0.1 only hydrate when that origin is allowed.
  allowedDevOrigins: ["127.0.0.1", "localhost"],
  // Packages with native bindings or Node-only code stay out of the client and server bundles.
  serverExternalPackages: ["better-sqlite3", "pino"],
};

export default nextConfig;
