import { describe, expect, it } from "vitest";
import { GUEST_STORAGE_KEY, selectStorageFor, storageKey, storageKeyFor } from "./storage-key";

describe("storage entry per identity", () => {
  it("keeps guests on the entry Tether always used, and gives each account its own", () => {
    expect(storageKeyFor({ kind: "guest", id: "u_1" })).toBe(GUEST_STORAGE_KEY);
    expect(storageKeyFor({ kind: "guest", id: "u_2" })).toBe(GUEST_STORAGE_KEY);
    expect(storageKeyFor({ kind: "account", id: "a1" })).toBe("tether:account:a1");
    expect(storageKeyFor({ kind: "account", id: "a2" })).not.toBe(storageKeyFor({ kind: "account", id: "a1" }));
  });

  it("points every read and write of the page at the chosen entry", () => {
    expect(storageKey()).toBe(GUEST_STORAGE_KEY);
    selectStorageFor({ kind: "account", id: "a1" });
    expect(storageKey()).toBe("tether:account:a1");
    selectStorageFor({ kind: "guest", id: "u_1" });
    expect(storageKey()).toBe(GUEST_STORAGE_KEY);
  });
});
