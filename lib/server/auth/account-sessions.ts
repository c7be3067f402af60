/**
 * The signed-in user's sessions (one per device or browser), as a better-auth plugin: a list that shows no
 * session token (better-auth's own /list-sessions returns them to the page, and a token is a credential), and
 * "Sign out everywhere", which ends every session of the account, this one included. Ending a session is seen
 * by the `session.delete.after` database hook (create-accounts.ts), which closes the session's live sockets.
 */
import type { BetterAuthPlugin } from "better-auth";
import { createAuthEndpoint, sessionMiddleware } from "better-auth/api";
import { deleteSessionCookie } from "better-auth/cookies";
import type { SessionSummary } from "../../shared/account-dto";

interface SessionRecord {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  userAgent?: string | null;
  ipAddress?: string | null;
}

const iso = (date: Date) => new Date(date).toISOString();

export function accountSessions() {
  return {
    id: "tether-account-sessions",
    endpoints: {
      listAccountSessions: createAuthEndpoint("/account/sessions", { method: "GET", use: [sessionMiddleware] }, async (ctx) => {
        const { session, user } = ctx.context.session;
        const records: SessionRecord[] = await ctx.context.internalAdapter.listSessions(user.id);
        const now = Date.now();
        const sessions: SessionSummary[] = records
          .filter((record) => new Date(record.expiresAt).getTime() > now)
          .map((record) => ({
            id: record.id,
            createdAt: iso(record.createdAt),
            updatedAt: iso(record.updatedAt),
            expiresAt: iso(record.expiresAt),
            userAgent: record.userAgent ?? null,
            ipAddress: record.ipAddress ?? null,
            current: record.id === session.id,
          }));
        return ctx.json({ sessions });
      }),

      signOutEverywhere: createAuthEndpoint("/account/sign-out-everywhere", { method: "POST", use: [sessionMiddleware] }, async (ctx) => {
        await ctx.context.internalAdapter.deleteUserSessions(ctx.context.session.user.id);
        deleteSessionCookie(ctx);
        return ctx.json({ signedOut: true });
      }),
    },
  } satisfies BetterAuthPlugin;
}
