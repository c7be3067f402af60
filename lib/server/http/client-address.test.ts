import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress, isSecureRequest } from "./client-address";
import { parseTrustProxy, trustEveryProxy, trustNoProxy } from "./trust-proxy";

/** The two things these functions read from a request: its peer (and whether its socket is TLS) and its headers. */
const request = (peer: string | undefined, headers: Record<string, string> = {}, tls = false) =>
  ({ headers, socket: { remoteAddress: peer, ...(tls ? { encrypted: true } : {}) } }) as unknown as IncomingMessage;

// What a client gets through an nginx that appends ($proxy_add_x_forwarded_for): its own forged entries, then
// the address nginx saw.
const forgedThroughNginx = request("127.0.0.1", { "x-forwarded-for": "6.6.6.6, 7.7.7.7, 203.0.113.5" });

describe("clientAddress", () => {
  it("is the socket's peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress(forgedThroughNginx, trustNoProxy)).toBe("127.0.0.1");
  });

  it("is the nearest untrusted hop: entries a client prepends change nothing", () => {
    expect(clientAddress(forgedThroughNginx, parseTrustProxy("1"))).toBe("203.0.113.5");
    expect(clientAddress(forgedThroughNginx, parseTrustProxy("loopback"))).toBe("203.0.113.5");
    expect(clientAddress(request("::ffff:127.0.0.1", { "x-forwarded-for": "6.6.6.6, 203.0.113.5" }), parseTrustProxy("loopback"))).toBe(
      "203.0.113.5",
    );
  });

  it("walks past every trusted proxy of a chain, and stops at the first it does not trust", () => {
    const chain = request("10.0.0.2", { "x-forwarded-for": "6.6.6.6, 203.0.113.5, 10.0.0.1" });
    expect(clientAddress(chain, parseTrustProxy("10.0.0.0/8"))).toBe("203.0.113.5");
    expect(clientAddress(chain, parseTrustProxy("2"))).toBe("203.0.113.5");
    expect(clientAddress(chain, parseTrustProxy("1"))).toBe("10.0.0.1");
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(clientAddress(request("203.0.113.5", { "x-forwarded-for": "6.6.6.6" }), parseTrustProxy("loopback"))).toBe("203.0.113.5");
  });

  it("with TRUST_PROXY=true believes the leftmost entry (the danger the README describes)", () => {
    expect(clientAddress(forgedThroughNginx, trustEveryProxy)).toBe("6.6.6.6");
  });

  it("is 'unknown' for a socket that has no peer any more", () => {
    expect(clientAddress(request(undefined, { "x-forwarded-for": "6.6.6.6" }), trustEveryProxy)).toBe("unknown");
  });
});

describe("isSecureRequest", () => {
  const https = { "x-forwarded-proto": "https" };

  it("is true on a TLS socket, whatever the headers", () => {
    expect(isSecureRequest(request("203.0.113.5", { "x-forwarded-proto": "http" }, true), trustNoProxy)).toBe(true);
  });

  it("believes X-Forwarded-Proto only from a trusted proxy", () => {
    expect(isSecureRequest(request("127.0.0.1", https), parseTrustProxy("loopback"))).toBe(true);
    expect(isSecureRequest(request("127.0.0.1", https), parseTrustProxy("1"))).toBe(true);
    expect(isSecureRequest(request("127.0.0.1", https), trustNoProxy)).toBe(false);
    expect(isSecureRequest(request("203.0.113.5", https), parseTrustProxy("loopback"))).toBe(false);
    expect(isSecureRequest(request("127.0.0.1", { "x-forwarded-proto": "http" }), parseTrustProxy("loopback"))).toBe(false);
    expect(isSecureRequest(request("127.0.0.1"), parseTrustProxy("loopback"))).toBe(false);
  });

  it("reads the value the nearest proxy appended, not one a client put in front of it", () => {
    expect(isSecureRequest(request("127.0.0.1", { "x-forwarded-proto": "http, HTTPS" }), parseTrustProxy("loopback"))).toBe(true);
    expect(isSecureRequest(request("127.0.0.1", { "x-forwarded-proto": "https, http" }), parseTrustProxy("loopback"))).toBe(false);
  });
});
