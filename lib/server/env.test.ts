import { describe, expect, it } from "vitest";
import { envWarnings, loadEnv } from "./env";

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
      SEARCH_RATE_LIMIT_BURST: 10,
      SEARCH_RATE_LIMIT_PER_SECOND: 2,
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

describe("loadEnv: read state, typing and presence", () => {
  it("has defaults that keep presence within a minute", () => {
    expect(loadEnv({})).toMatchObject({
      CHANNEL_MENTION_RATE_LIMIT_BURST: 3,
      CHANNEL_MENTION_RATE_LIMIT_PER_SECOND: 0.05,
      TYPING_EXPIRE_MS: 5000,
      PRESENCE_HEARTBEAT_MS: 10_000,
      PRESENCE_TTL_MS: 30_000,
    });
  });

  it("keeps pages in the server's process unless PAGES_PROCESS turns the experimental pages process on", () => {
    expect(loadEnv({}).PAGES_PROCESS).toBe(false);
    expect(loadEnv({ PAGES_PROCESS: "true" }).PAGES_PROCESS).toBe(true);
    expect(loadEnv({ PAGES_PROCESS: "1" }).PAGES_PROCESS).toBe(true);
    expect(() => loadEnv({ PAGES_PROCESS: "yes" })).toThrow(/PAGES_PROCESS: must be true or false/);
  });

  it("takes a fractional @channel rate, and 0 to turn it off", () => {
    expect(loadEnv({ CHANNEL_MENTION_RATE_LIMIT_PER_SECOND: "0.5" }).CHANNEL_MENTION_RATE_LIMIT_PER_SECOND).toBe(0.5);
    expect(loadEnv({ CHANNEL_MENTION_RATE_LIMIT_PER_SECOND: "0" }).CHANNEL_MENTION_RATE_LIMIT_PER_SECOND).toBe(0);
  });

  it.each([
    [{ CHANNEL_MENTION_RATE_LIMIT_PER_SECOND: "-1" }, /CHANNEL_MENTION_RATE_LIMIT_PER_SECOND/],
    [{ CHANNEL_MENTION_RATE_LIMIT_BURST: "0" }, /CHANNEL_MENTION_RATE_LIMIT_BURST/],
    [{ TYPING_EXPIRE_MS: "soon" }, /TYPING_EXPIRE_MS/],
    [{ PRESENCE_TTL_MS: "120000" }, /PRESENCE_TTL_MS/],
    [{ PRESENCE_HEARTBEAT_MS: "20000", PRESENCE_TTL_MS: "50000" }, /PRESENCE_TTL_MS: PRESENCE_TTL_MS \+ PRESENCE_HEARTBEAT_MS must be at most 60000/],
    [{ PRESENCE_HEARTBEAT_MS: "30000", PRESENCE_TTL_MS: "20000" }, /PRESENCE_HEARTBEAT_MS: must be shorter than PRESENCE_TTL_MS/],
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

describe("loadEnv: TRUST_PROXY (proxy-addr semantics)", () => {
  const trustOf = (value?: string) => loadEnv(value === undefined ? {} : { TRUST_PROXY: value }).TRUST_PROXY;

  it.each([undefined, "false", "0"])("%s trusts no proxy: the socket's peer is the client", (value) => {
    const trust = trustOf(value);
    expect(trust("127.0.0.1", 0)).toBe(false);
    expect(trust("10.0.0.1", 0)).toBe(false);
    expect(envWarnings(loadEnv(value === undefined ? {} : { TRUST_PROXY: value }))).toEqual([]);
  });

  it("true trusts every hop, and says at start-up why that is dangerous", () => {
    const trust = trustOf("true");
    expect(trust("203.0.113.9", 0)).toBe(true);
    expect(trust("203.0.113.9", 7)).toBe(true);
    expect(envWarnings(loadEnv({ TRUST_PROXY: "true" }))).toEqual([expect.stringMatching(/TRUST_PROXY=true .* any client can pick its address/)]);
  });

  it("a whole number is a hop count: 1 trusts only the socket's peer (one proxy), 2 one more", () => {
    const one = trustOf("1");
    expect([one("203.0.113.9", 0), one("203.0.113.9", 1)]).toEqual([true, false]);
    const two = trustOf(" 2 ");
    expect([two("203.0.113.9", 0), two("203.0.113.9", 1), two("203.0.113.9", 2)]).toEqual([true, true, false]);
  });

  it("a list of addresses, CIDR ranges and names trusts those addresses at any hop", () => {
    const trust = trustOf("loopback, 10.0.0.0/8,192.168.1.0/255.255.255.0, 2001:db8::1");
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.20.30.40", "192.168.1.7", "2001:db8::1"]) {
      expect([address, trust(address, 3)]).toEqual([address, true]);
    }
    for (const address of ["203.0.113.9", "192.168.2.7", "2001:db8::2", "not-an-address"]) {
      expect([address, trust(address, 0)]).toEqual([address, false]);
    }
    expect(trustOf("uniquelocal")("172.16.0.1", 0)).toBe(true);
    expect(trustOf("linklocal")("169.254.1.1", 0)).toBe(true);
  });

  it.each([
    ["yes", /TRUST_PROXY: "yes" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal/],
    ["TRUE", /TRUST_PROXY: "TRUE" is not an IP address/],
    ["10.0.0.256", /TRUST_PROXY: "10.0.0.256" is not an IP address/],
    ["10.0.0.0/33", /TRUST_PROXY: "10.0.0.0\/33" is not an IP address/],
    ["loopback,,10.0.0.1", /TRUST_PROXY: "loopback,,10.0.0.1" has an empty entry/],
    ["-1", /TRUST_PROXY: "-1" is not an IP address/],
  ])("refuses %s with a message naming the variable and the accepted forms", (value, message) => {
    expect(() => loadEnv({ TRUST_PROXY: value })).toThrow(message);
    expect(() => loadEnv({ TRUST_PROXY: value })).toThrow(/expected false, true, a hop count/);
  });
});
