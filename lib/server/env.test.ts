import { describe, expect, it } from "vitest";
import { loadEnv as loadEnvFrom } from "./env";

/** Only the given variables, nothing from this process's environment. */
const loadEnv = (vars: Record<string, string>) => loadEnvFrom(vars as NodeJS.ProcessEnv);

const SECRET = "x".repeat(32);

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
