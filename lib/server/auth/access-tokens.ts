/**
 * Personal access tokens, as a better-auth plugin: a signed-in user creates named tokens (the secret is shown
 * once; only its SHA-256 digest is stored), lists and revokes them. A script presents one in the Socket.IO
 * handshake (`auth: { token }`) and acts as that account.
 *
 * A token is 32 random bytes, so a fast digest is the right store for it (nothing to brute-force, unlike a
 * password); the prefix makes leaked tokens easy to recognise and to tell apart in the list.
 */
import { createHash, randomBytes } from "node:crypto";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, sessionMiddleware } from "better-auth/api";
import { z } from "zod";
import type { AccessTokenSummary } from "../../shared/account-dto";
import { MAX_TOKEN_NAME_LENGTH } from "../../shared/identity";

export const TOKEN_PREFIX = "tether_pat_";
/** The characters of a token shown in lists: the prefix and a few more. */
const SHOWN_CHARACTERS = TOKEN_PREFIX.length + 6;
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);
/** A bound on what one account may hold, so a script cannot fill the table. */
export const MAX_TOKENS_PER_USER = 50;

interface AccessTokenRecord {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export function newAccessToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashAccessToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Cheap shape check before any database read: anything else is refused without a lookup. */
export function looksLikeAccessToken(value: unknown): value is string {
  return typeof value === "string" && TOKEN_PATTERN.test(value);
}

function summary(record: AccessTokenRecord): AccessTokenSummary {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    createdAt: new Date(record.createdAt).toISOString(),
    lastUsedAt: record.lastUsedAt ? new Date(record.lastUsedAt).toISOString() : null,
  };
}

const nameSchema = z.object({ name: z.string() });
const revokeSchema = z.object({ id: z.string().min(1).max(100) });

/**
 * `onRevoked` is told each token id that was revoked, so that its live connections can be closed (on every
 * instance: see create-realtime-server.ts).
 */
export function accessTokens({ onRevoked }: { onRevoked: (tokenId: string) => void }) {
  return {
    id: "tether-access-tokens",
    schema: {
      accessToken: {
        fields: {
          userId: { type: "string", required: true, references: { model: "user", field: "id", onDelete: "cascade" }, index: true },
          name: { type: "string", required: true },
          tokenHash: { type: "string", required: true, unique: true },
          prefix: { type: "string", required: true },
          createdAt: { type: "date", required: true },
          lastUsedAt: { type: "date", required: false },
        },
      },
    },
    endpoints: {
      listAccessTokens: createAuthEndpoint("/access-tokens", { method: "GET", use: [sessionMiddleware] }, async (ctx) => {
        const records = await ctx.context.adapter.findMany<AccessTokenRecord>({
          model: "accessToken",
          where: [{ field: "userId", value: ctx.context.session.user.id }],
          sortBy: { field: "createdAt", direction: "asc" },
        });
        return ctx.json({ tokens: records.map(summary) });
      }),

      createAccessToken: createAuthEndpoint("/access-tokens/create", { method: "POST", body: nameSchema, use: [sessionMiddleware] }, async (ctx) => {
        const name = ctx.body.name.trim().replace(/\s+/g, " ");
        if (name.length === 0 || name.length > MAX_TOKEN_NAME_LENGTH) {
          throw new APIError("BAD_REQUEST", { message: `A token name is 1-${MAX_TOKEN_NAME_LENGTH} characters.`, code: "INVALID_TOKEN_NAME" });
        }
        const userId = ctx.context.session.user.id;
        const held = await ctx.context.adapter.count({ model: "accessToken", where: [{ field: "userId", value: userId }] });
        if (held >= MAX_TOKENS_PER_USER) {
          throw new APIError("BAD_REQUEST", {
            message: `You already have ${MAX_TOKENS_PER_USER} tokens; revoke one first.`,
            code: "TOO_MANY_TOKENS",
          });
        }
        const token = newAccessToken();
        const record = await ctx.context.adapter.create<Omit<AccessTokenRecord, "id">, AccessTokenRecord>({
          model: "accessToken",
          data: {
            userId,
            name,
            tokenHash: hashAccessToken(token),
            prefix: token.slice(0, SHOWN_CHARACTERS),
            createdAt: new Date(),
            lastUsedAt: null,
          },
        });
        // The only time the secret leaves the server.
        return ctx.json({ token, accessToken: summary(record) });
      }),

      revokeAccessToken: createAuthEndpoint(
        "/access-tokens/revoke",
        { method: "POST", body: revokeSchema, use: [sessionMiddleware] },
        async (ctx) => {
          const where = [
            { field: "id", value: ctx.body.id },
            { field: "userId", value: ctx.context.session.user.id },
          ];
          const record = await ctx.context.adapter.findOne<AccessTokenRecord>({ model: "accessToken", where });
          if (!record) throw new APIError("NOT_FOUND", { message: "No such token.", code: "UNKNOWN_TOKEN" });
          await ctx.context.adapter.delete({ model: "accessToken", where });
          onRevoked(record.id);
          return ctx.json({ revoked: true });
        },
      ),
    },
  } satisfies BetterAuthPlugin;
}
