import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { trustNoProxy } from "../http/trust-proxy";
import { createSessionSigner, ensureSessionCookie, readCookie, SESSION_COOKIE } from "./session-cookie";

const signer = createSessionSigner("0123456789abcdef0123456789abcdef");

describe("session cookie", () => {
  it("verifies what it signed and nothing else", () => {
    const value = signer.sign("u_abcdefghijklmnop");
    expect(signer.verify(value)).toBe("u_abcdefghijklmnop");
    expect(signer.verify(value.slice(0, -1) + (value.endsWith("A") ? "B" : "A"))).toBeNull();
    expect(createSessionSigner("another-secret-another-secret-xx").verify(value)).toBeNull();
    expect(signer.verify("u_abcdefghijklmnop")).toBeNull();
    expect(signer.verify(undefined)).toBeNull();
  });

  it("reads one cookie out of a header, tolerating bad escapes", () => {
    expect(readCookie("a=1; tether_session=x%2Ey; b=2", SESSION_COOKIE)).toBe("x.y");
    expect(readCookie("tether_session=%E0%A4%A", SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, SESSION_COOKIE)).toBeUndefined();
  });

  it("issues an HTTP-only, SameSite cookie only when the request has no valid one", () => {
    const headers: string[] = [];
    const res = { appendHeader: (_name: string, value: string) => headers.push(value) } as unknown as ServerResponse;
    const req = (cookie?: string) => ({ headers: cookie ? { cookie } : {}, socket: {} }) as unknown as IncomingMessage;

    const userId = ensureSessionCookie(signer, req(), res, trustNoProxy);
    expect(headers).toHaveLength(1);
    expect(headers[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Lax; Max-Age=\\d+$`));
    const issued = decodeURIComponent(headers[0]!.split(";")[0]!.split("=")[1]!);
    expect(signer.verify(issued)).toBe(userId);

    expect(ensureSessionCookie(signer, req(`${SESSION_COOKIE}=${encodeURIComponent(issued)}`), res, trustNoProxy)).toBe(userId);
    expect(headers).toHaveLength(1);
  });
});
