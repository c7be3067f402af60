import { describe, expect, it } from "vitest";
import { loadEnv } from "./env";

describe("loadEnv", () => {
  it("applies the documented defaults", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ PORT: 3000, DATABASE_URL: "file:./data/tether.db", RECOVERY_WINDOW_MS: 120_000, MAX_MESSAGE_LENGTH: 4000 });
    expect(env.HOST).toBeUndefined();
  });

  it("treats empty values as unset", () => {
    expect(loadEnv({ PORT: "", DATABASE_URL: "" }).PORT).toBe(3000);
  });

  it.each([
    [{ PORT: "http" }, /PORT: must be a whole number/],
    [{ PORT: "70000" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be file:<path> or postgres/],
    [{ SESSION_SECRET: "short" }, /SESSION_SECRET: must be at least 32 characters/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
  ])("refuses %o with a message naming the variable", (source, message) => {
    expect(() => loadEnv(source)).toThrow(message);
  });
});
