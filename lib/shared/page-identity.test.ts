import { describe, expect, it } from "vitest";
import { decodePageIdentity, encodePageIdentity, isSameIdentity, safeNextPath, type PageIdentity } from "./page-identity";

const alice: PageIdentity = { kind: "account", id: "a1", username: "alice", name: "Alice 🐇 Liddell", isAdmin: true };

describe("page identity header", () => {
  it("round-trips any display name through a Latin-1 header value", () => {
    const value = encodePageIdentity(alice);
    expect(/^[\x20-\x7e]*$/.test(value)).toBe(true);
    expect(decodePageIdentity(value)).toEqual(alice);
    expect(decodePageIdentity(encodePageIdentity({ kind: "guest", id: "u_x" }))).toEqual({ kind: "guest", id: "u_x" });
  });

  it.each([
    undefined,
    null,
    "",
    "%E0%A4%A",
    "not json",
    encodeURIComponent('{"kind":"admin","id":"x"}'),
    encodeURIComponent('{"kind":"account","id":"x"}'),
  ])("treats %j as no identity", (value) => {
    expect(decodePageIdentity(value)).toBeNull();
  });
});

describe("isSameIdentity", () => {
  it("lets an account's page use a connection of that account only", () => {
    expect(isSameIdentity(alice, { id: "a1", name: "x", username: "alice" })).toBe(true);
    expect(isSameIdentity(alice, { id: "a2", name: "x", username: "bob" })).toBe(false);
    expect(isSameIdentity(alice, { id: "a1", name: "x", username: null })).toBe(false);
  });

  it("lets a guest's page use any guest connection, never an account's", () => {
    const guest: PageIdentity = { kind: "guest", id: "u_1" };
    expect(isSameIdentity(guest, { id: "guest_2", name: "Guest", username: null })).toBe(true);
    expect(isSameIdentity(guest, { id: "a1", name: "alice", username: "alice" })).toBe(false);
  });
});

describe("safeNextPath", () => {
  it.each([
    ["/settings", "/settings"],
    ["/?x=1", "/?x=1"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example", "/"],
    ["settings", "/"],
    [null, "/"],
  ])("%j → %j", (value, expected) => {
    expect(safeNextPath(value)).toBe(expected);
  });
});
