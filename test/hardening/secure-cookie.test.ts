/**
 * The session cookie's `Secure` attribute, over real HTTP and HTTPS: a server on port 0 whose handler issues the
 * cookie with the function server.ts uses, and real requests from 127.0.0.1 — which plays the proxy when
 * TRUST_PROXY trusts it, and an ordinary client when it does not.
 */
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseTrustProxy, type ProxyTrust } from "../../lib/server/http/trust-proxy";
import { createSessionSigner, ensureSessionCookie, SESSION_COOKIE } from "../../lib/server/identity/session-cookie";
import { TEST_SESSION_SECRET } from "../support/test-server";

// A self-signed certificate for 127.0.0.1/localhost, made for these tests only (openssl, valid until 2126).
const tls = {
  key: fs.readFileSync(path.join(__dirname, "../fixtures/tls-test-key.pem")),
  cert: fs.readFileSync(path.join(__dirname, "../fixtures/tls-test-cert.pem")),
};
const signer = createSessionSigner(TEST_SESSION_SECRET);
const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function listen(server: http.Server, trust: ProxyTrust): Promise<number> {
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    ensureSessionCookie(signer, req, res, trust);
    res.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** The session cookie a fresh browser gets from a plain HTTP server with this TRUST_PROXY and these headers. */
async function cookieOverHttp(trustProxy: string, headers: Record<string, string>): Promise<string> {
  const port = await listen(http.createServer(), parseTrustProxy(trustProxy));
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, headers }, (res) => resolve(sessionCookie(res))).on("error", reject);
  });
}

function sessionCookie(res: http.IncomingMessage): string {
  res.resume();
  const cookie = res.headers["set-cookie"]?.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error("no session cookie was issued");
  return cookie;
}

const attributes = (cookie: string) =>
  cookie
    .split(";")
    .slice(1)
    .map((a) => a.trim());

describe("the session cookie's Secure attribute", () => {
  it.each([["loopback"], ["1"], ["127.0.0.1"]])("is set when a proxy trusted by TRUST_PROXY=%s says the client came over TLS", async (trustProxy) => {
    const cookie = await cookieOverHttp(trustProxy, { "x-forwarded-proto": "https" });
    expect(attributes(cookie)).toContain("Secure");
    expect(attributes(cookie)).toContain("HttpOnly");
  });

  it.each([["false"], ["10.0.0.0/8"]])("is not set when an untrusted peer (TRUST_PROXY=%s) claims TLS", async (trustProxy) => {
    const cookie = await cookieOverHttp(trustProxy, { "x-forwarded-proto": "https" });
    expect(attributes(cookie)).not.toContain("Secure");
  });

  it("is not set when the trusted proxy says the client came over plain HTTP", async () => {
    expect(attributes(await cookieOverHttp("loopback", { "x-forwarded-proto": "http" }))).not.toContain("Secure");
    expect(attributes(await cookieOverHttp("loopback", {}))).not.toContain("Secure");
  });

  it("is set when the request came over TLS to this server, with no proxy and no header", async () => {
    const port = await listen(https.createServer(tls), parseTrustProxy("false"));
    const cookie = await new Promise<string>((resolve, reject) => {
      https.get({ host: "127.0.0.1", port, ca: tls.cert, servername: "localhost" }, (res) => resolve(sessionCookie(res))).on("error", reject);
    });
    expect(attributes(cookie)).toContain("Secure");
  });
});
