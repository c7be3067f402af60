/**
 * Configuration from the environment, validated once at start-up. A bad value stops the process with a
 * message naming the variable, instead of failing later in some handler.
 */
import { z } from "zod";
import { DEFAULT_MAX_MESSAGE_LENGTH } from "../shared/limits";
import { parseTrustProxy, trustEveryProxy, trustNoProxy, type ProxyTrust } from "./http/trust-proxy";

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);

const decimal = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a number")
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);

const envFields = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: integer(3000, 0, 65535),
  HOST: z.string().trim().min(1).optional(),
  DATABASE_URL: z
    .string()
    .trim()
    .default("file:./data/tether.db")
    .refine((url) => /^(file:.+|postgres(ql)?:\/\/.+)$/.test(url), "must be file:<path> or postgres://…"),
  /**
   * Set to run several instances: Socket.IO broadcasts and sessions go through Redis Streams. Requires a
   * postgres:// DATABASE_URL (instances must share one store whose commit order is id order).
   */
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\/.+/, "must be redis://… or rediss://…")
    .optional(),
  /** Prefix of every Redis key this deployment uses. */
  REDIS_KEY_PREFIX: z.string().trim().min(1).default("tether:"),
  /** Secret that signs session cookies (guests' and accounts'); generated and kept in the data directory when absent. */
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** How long Socket.IO keeps a disconnected session recoverable without the database; 0 turns recovery off. */
  RECOVERY_WINDOW_MS: integer(120_000, 0, 24 * 3600_000),
  SOCKET_PING_INTERVAL_MS: integer(25_000, 100, 600_000),
  SOCKET_PING_TIMEOUT_MS: integer(20_000, 100, 600_000),
  MAX_MESSAGE_LENGTH: integer(DEFAULT_MAX_MESSAGE_LENGTH, 1, 100_000),
  /** Largest Socket.IO packet accepted; larger ones close the connection at the transport. */
  MAX_PACKET_BYTES: integer(1_000_000, 1024, 100_000_000),
  /** Token bucket for message:send, per connection and per identity; RATE_LIMIT_PER_SECOND=0 turns it off. */
  RATE_LIMIT_BURST: integer(20, 1, 1_000_000),
  RATE_LIMIT_PER_SECOND: integer(5, 0, 1_000_000),
  /** Token bucket for search:messages, per connection and per identity; SEARCH_RATE_LIMIT_PER_SECOND=0 turns it off. */
  SEARCH_RATE_LIMIT_BURST: integer(10, 1, 1_000_000),
  SEARCH_RATE_LIMIT_PER_SECOND: integer(2, 0, 1_000_000),
  /** Token bucket for messages with `@channel`, per identity (over it a send is refused); PER_SECOND=0 turns it off. */
  CHANNEL_MENTION_RATE_LIMIT_BURST: integer(3, 1, 1_000_000),
  CHANNEL_MENTION_RATE_LIMIT_PER_SECOND: decimal(0.05, 0, 1_000_000),
  /** A typing indicator ends this long after its last typing:start. */
  TYPING_EXPIRE_MS: integer(5_000, 100, 600_000),
  /** Presence on a cluster: how often an instance renews its users' presence in Redis, and how long it lasts unrenewed. */
  PRESENCE_HEARTBEAT_MS: integer(10_000, 100, 60_000),
  PRESENCE_TTL_MS: integer(30_000, 300, 60_000),
  /** Concurrent Socket.IO connections per client address; 0 = no limit. */
  MAX_CONNECTIONS_PER_IP: integer(50, 0, 1_000_000),
  /** Extra origins allowed to open Socket.IO connections (comma-separated, or *); the app's own always is. */
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? "")
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  /**
   * Which proxies may report the client's address (X-Forwarded-For) and protocol (X-Forwarded-Proto):
   * proxy-addr semantics — false, true (every hop: unsafe unless the proxy replaces the header), a hop count,
   * or addresses, CIDR ranges and loopback/linklocal/uniquelocal. `1` is one hop (a single nginx), `0` is false.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, ctx): ProxyTrust => {
      if (value === undefined) return trustNoProxy;
      try {
        return parseTrustProxy(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** NORMAL: acknowledged messages survive a process crash; FULL: also an OS crash or power loss (fsync per commit). */
  SQLITE_SYNCHRONOUS: z.enum(["FULL", "NORMAL"]).default("NORMAL"),
  /**
   * Whether people without an account may read and write public channels (as a guest). false: every page but
   * /sign-in and /sign-up needs an account, and a socket without an account session or token is refused.
   */
  GUEST_ACCESS: z
    .enum(["0", "1", "true", "false"], { message: "must be true or false" })
    .default("true")
    .transform((value) => value === "1" || value === "true"),
  /**
   * Production only, experimental: whether Next.js renders pages in a process of its own, to which the server hands
   * each connection that asks for a page (lib/server/pages/pages-process.ts). Off by default until it is shown to
   * cost no bench target anything (docs/performance.md, optimisation 15).
   */
  PAGES_PROCESS: z
    .enum(["0", "1", "true", "false"], { message: "must be true or false" })
    .default("false")
    .transform((value) => value === "1" || value === "true"),
  /** Failed sign-ins allowed per username, and per client address, within SIGN_IN_FAILURE_WINDOW_MS. */
  SIGN_IN_MAX_FAILURES_PER_USERNAME: integer(5, 1, 1_000_000),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: integer(20, 1, 1_000_000),
  SIGN_IN_FAILURE_WINDOW_MS: integer(15 * 60_000, 1_000, 7 * 24 * 3600_000),
  /** Newest messages kept in memory to serve catch-up without reading SQLite (0 = none; SQLite only). */
  MESSAGE_CACHE_SIZE: integer(100_000, 0, 10_000_000),
  /** Messages per catch-up batch. */
  REPLAY_BATCH_SIZE: integer(1000, 1, 100_000),
});

const envSchema = envFields
  .refine((env) => env.REDIS_URL === undefined || !env.DATABASE_URL.startsWith("file:"), {
    path: ["REDIS_URL"],
    message: "several instances need a shared database: set DATABASE_URL to postgres://… as well",
  })
  .refine((env) => env.PRESENCE_HEARTBEAT_MS < env.PRESENCE_TTL_MS, {
    path: ["PRESENCE_HEARTBEAT_MS"],
    message: "must be shorter than PRESENCE_TTL_MS, or presence would lapse between two renewals",
  })
  // A dead instance's users go offline within PRESENCE_TTL_MS + PRESENCE_HEARTBEAT_MS: kept within a minute.
  .refine((env) => env.PRESENCE_HEARTBEAT_MS + env.PRESENCE_TTL_MS <= 60_000, {
    path: ["PRESENCE_TTL_MS"],
    message: "PRESENCE_TTL_MS + PRESENCE_HEARTBEAT_MS must be at most 60000 (a dead instance's users show offline within that)",
  })
  .refine((env) => env.REDIS_URL === undefined || env.SESSION_SECRET !== undefined, {
    path: ["SESSION_SECRET"],
    message: "several instances must sign session cookies with one secret: set it when REDIS_URL is set",
  });

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings count as unset, as shells and .env files commonly produce them.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`Invalid environment configuration:\n${problems}`);
  }
  return parsed.data;
}

/** Settings that are valid but probably not what the operator wants; logged at start-up. */
export function envWarnings(env: Env): string[] {
  const warnings: string[] = [];
  if (env.TRUST_PROXY === trustEveryProxy) {
    warnings.push(
      "TRUST_PROXY=true trusts every X-Forwarded-For entry, including those a client writes itself: any client can pick " +
        "its address (and escape MAX_CONNECTIONS_PER_IP) unless your proxy replaces the header. Prefer the proxy's " +
        "address (e.g. loopback) or a hop count (1 for one proxy).",
    );
  }
  return warnings;
}
