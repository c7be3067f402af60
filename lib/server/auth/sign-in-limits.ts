/**
 * Failed sign-ins are limited per username and per client address, as a better-auth plugin around
 * /sign-in/username. The counters live in the database (`sign_in_failures`), so every instance of a deployment
 * enforces one limit; a fixed window per key keeps the update a single atomic statement.
 *
 * Only wrong credentials count (better-auth's 401), for usernames that exist or not alike, so the limit says
 * nothing about which usernames exist. A successful sign-in clears its username's counter but not its address's:
 * otherwise an attacker could reset the address limit by signing in to an account of their own between guesses.
 *
 * better-auth's own rate limiter is off (create-accounts.ts): it counts every request per address and path,
 * in memory per instance, and cannot count per username.
 */
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import type { SignInFailureCounts } from "../../storage/accounts-store";
import { CLIENT_ADDRESS_HEADER } from "./http-bridge";

export interface SignInLimitOptions {
  counts: SignInFailureCounts;
  /** Failed sign-ins allowed per username within a window. */
  perUsername: number;
  /** Failed sign-ins allowed per client address within a window. */
  perAddress: number;
  windowMs: number;
}

const SIGN_IN_PATH = "/sign-in/username";

interface HookContext {
  path?: string;
  body?: unknown;
  headers?: Headers;
  request?: Request;
  context: { returned?: unknown };
}

function keysOf(ctx: HookContext): { user: string | null; address: string | null } {
  const username = (ctx.body as { username?: unknown } | undefined)?.username;
  const address = (ctx.headers ?? ctx.request?.headers)?.get(CLIENT_ADDRESS_HEADER);
  return {
    user: typeof username === "string" && username.length <= 64 ? `user:${username.trim().toLowerCase()}` : null,
    address: address ? `address:${address}` : null,
  };
}

function minutes(ms: number): string {
  const n = Math.max(1, Math.ceil(ms / 60_000));
  return n === 1 ? "a minute" : `${n} minutes`;
}

export function signInLimits({ counts, perUsername, perAddress, windowMs }: SignInLimitOptions) {
  return {
    id: "tether-sign-in-limits",
    hooks: {
      before: [
        {
          matcher: (ctx: HookContext) => ctx.path === SIGN_IN_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const keys = keysOf(ctx);
            const present = [keys.user, keys.address].filter((key): key is string => key !== null);
            if (present.length === 0) return;
            const now = Date.now();
            const recent = await counts.recent(present, now - windowMs);
            const tooMany = (key: string | null, limit: number) => key !== null && (recent.get(key)?.count ?? 0) >= limit;
            const retryIn = (key: string) => (recent.get(key)?.windowStartedAt ?? now) + windowMs - now;
            if (tooMany(keys.user, perUsername)) {
              throw new APIError("TOO_MANY_REQUESTS", {
                message: `Too many failed sign-ins for this username. Try again in ${minutes(retryIn(keys.user!))}.`,
                code: "TOO_MANY_FAILED_SIGN_INS",
              });
            }
            if (tooMany(keys.address, perAddress)) {
              throw new APIError("TOO_MANY_REQUESTS", {
                message: `Too many failed sign-ins from your network address. Try again in ${minutes(retryIn(keys.address!))}.`,
                code: "TOO_MANY_FAILED_SIGN_INS",
              });
            }
          }),
        },
      ],
      after: [
        {
          matcher: (ctx: HookContext) => ctx.path === SIGN_IN_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const keys = keysOf(ctx);
            const returned = ctx.context.returned;
            const now = Date.now();
            if (isAPIError(returned)) {
              if (returned.statusCode !== 401) return;
              const present = [keys.user, keys.address].filter((key): key is string => key !== null);
              if (present.length > 0) await counts.record(present, now, now - windowMs);
            } else if (keys.user) {
              await counts.clear(keys.user);
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
