import { describe, expect, it } from "vitest";
import { MAX_HEAD_BYTES, readRequestLine } from "./request-head";

const head = (text: string) => Buffer.from(text, "latin1");

describe("readRequestLine", () => {
  it("gives the method and the path without its query once the head is complete", () => {
    expect(readRequestLine(head("GET /sign-in?next=%2Fsettings HTTP/1.1\r\nHost: x\r\n\r\n"))).toEqual({ method: "GET", path: "/sign-in" });
    expect(readRequestLine(head("POST /api/auth/sign-in/username HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"))).toEqual({
      method: "POST",
      path: "/api/auth/sign-in/username",
    });
    expect(readRequestLine(head("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"))).toEqual({
      method: "GET",
      path: "/socket.io/",
    });
  });

  it("waits for the rest of a head that came in pieces", () => {
    expect(readRequestLine(head("GE"))).toBe("incomplete");
    expect(readRequestLine(head("GET / HTTP/1.1\r\nHost: x\r\n"))).toBe("incomplete");
    expect(readRequestLine(head("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))).toEqual({ method: "GET", path: "/" });
  });

  it("recognises nothing it would have to guess about: those go to the HTTP server, which refuses what is malformed", () => {
    expect(readRequestLine(head("GET http://elsewhere/ HTTP/1.1\r\n\r\n"))).toBeNull();
    expect(readRequestLine(head("OPTIONS * HTTP/1.1\r\n\r\n"))).toBeNull();
    expect(readRequestLine(head("GET / HTTP/2.0\r\n\r\n"))).toBeNull();
    expect(readRequestLine(head("\u0016\u0003\u0001 a TLS hello\r\n\r\n"))).toBeNull();
    expect(readRequestLine(Buffer.alloc(MAX_HEAD_BYTES + 1, "a"))).toBeNull();
    expect(readRequestLine(head(`GET /${"a".repeat(MAX_HEAD_BYTES)} HTTP/1.1\r\n\r\n`))).toBeNull();
  });
});
