import { describe, expect, it } from "vitest";
import { loadEnv } from "./env";

const SECRET = "x".repeat(32);

describe("loadEnv", () => {
  it("applies the documented defaults", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      DATABASE_URL: "file:./data/tether.db",
      RECOVERY_WINDOW_MS: 120_000,
      MAX_MESSAGE_LENGTH: 4000,
      RATE_LIMIT_BURST: 20,
      RATE_LIMIT_PER_SECOND: 5,
      MAX_CONNECTIONS_PER_IP: 50,
      GUEST_ACCESS: true,
      SIGN_IN_MAX_FAILURES_PER_USERNAME: 5,
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: 20,
      SIGN_IN_FAILURE_WINDOW_MS: 900_000,
    });
    expect(env.HOST).toBeUndefined();
  });

  it("treats empty values as unset", () => {
    expect(loadEnv({ PORT: "", DATABASE_URL: "" }).PORT).toBe(3000);
  });

  it("turns guest access off with GUEST_ACCESS=false or 0", () => {
    expect(loadEnv({ GUEST_ACCESS: "false" }).GUEST_ACCESS).toBe(false);
    expect(loadEnv({ GUEST_ACCESS: "0" }).GUEST_ACCESS).toBe(false);
  });

  it("takes 0 to turn the flood limits off", () => {
    expect(loadEnv({ RATE_LIMIT_PER_SECOND: "0", MAX_CONNECTIONS_PER_IP: "0" })).toMatchObject({
      RATE_LIMIT_PER_SECOND: 0,
      MAX_CONNECTIONS_PER_IP: 0,
    });
  });

  it.each([
    [{ PORT: "http" }, /PORT: must be a whole number/],
    [{ PORT: "70000" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be file:<path> or postgres/],
    [{ SESSION_SECRET: "short" }, /SESSION_SECRET: must be at least 32 characters/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ RATE_LIMIT_PER_SECOND: "-1" }, /RATE_LIMIT_PER_SECOND/],
    [{ MAX_CONNECTIONS_PER_IP: "many" }, /MAX_CONNECTIONS_PER_IP/],
    [{ GUEST_ACCESS: "no" }, /GUEST_ACCESS: must be true or false/],
    [{ SIGN_IN_MAX_FAILURES_PER_USERNAME: "0" }, /SIGN_IN_MAX_FAILURES_PER_USERNAME/],
    [{ SIGN_IN_FAILURE_WINDOW_MS: "10" }, /SIGN_IN_FAILURE_WINDOW_MS/],
  ])("refuses %o with a message naming the variable", (source, message) => {
    expect(() => loadEnv(source)).toThrow(message);
  });
});

describe("loadEnv: scale-out settings", () => {
  it("keeps SQLite and no Redis as the zero-setup default", () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBe("file:./data/tether.db");
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.REDIS_KEY_PREFIX).toBe("tether:");
  });

  it("accepts PostgreSQL with Redis and a shared session secret", () => {
    const env = loadEnv({ DATABASE_URL: "postgresql://db/tether", REDIS_URL: "redis://cache:6379", SESSION_SECRET: SECRET });
    expect(env.REDIS_URL).toBe("redis://cache:6379");
  });

  it.each([
    ["a REDIS_URL that is not redis://", { DATABASE_URL: "postgres://db/t", REDIS_URL: "http://cache", SESSION_SECRET: SECRET }, "REDIS_URL"],
    ["Redis on an SQLite file", { REDIS_URL: "redis://cache", SESSION_SECRET: SECRET }, "REDIS_URL"],
    ["Redis without a shared session secret", { DATABASE_URL: "postgres://db/t", REDIS_URL: "redis://cache" }, "SESSION_SECRET"],
  ])("refuses %s, naming the variable", (_label, source, variable) => {
    expect(() => loadEnv(source)).toThrow(new RegExp(`${variable}:`));
  });
});
