/**
 * Accounts: one better-auth instance (username + password, sessions in the database, Drizzle on SQLite or
 * PostgreSQL) behind the small interface the rest of the server uses. The same instance serves the HTTP API
 * (/api/auth/*, from server.ts's request handler) and identifies Socket.IO handshakes, page loads and tokens.
 *
 * better-auth is ESM-only; Node 20 loads it through `require` from the CommonJS server under tsx.
 */
import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { isAPIError } from "better-auth/api";
import { username } from "better-auth/plugins";
import type { Member } from "../../shared/dto";
import type { AccountsStore } from "../../storage/accounts-store";
import {
  MAX_PASSWORD_LENGTH,
  MAX_USERNAME_LENGTH,
  MIN_PASSWORD_LENGTH,
  MIN_USERNAME_LENGTH,
  USERNAME_PATTERN,
  type Identity,
} from "../../shared/identity";
import type { ProxyTrust } from "../http/trust-proxy";
import { readCookie } from "../identity/session-cookie";
import type { Logger } from "../logger";
import { accessTokens, hashAccessToken, looksLikeAccessToken } from "./access-tokens";
import { accountSessions } from "./account-sessions";
import { CLIENT_ADDRESS_HEADER, serveWithFetchHandler, toWebHeaders } from "./http-bridge";
import { signInLimits } from "./sign-in-limits";
import { usernameSignUp } from "./username-sign-up";

export const AUTH_BASE_PATH = "/api/auth";
const DAY_SECONDS = 24 * 3600;

export type AccountIdentity = Identity & { kind: "account"; username: string };

/** A credential that stopped being valid: its live connections must close, and none may be restored. */
export interface Revocation {
  kind: "session" | "token";
  id: string;
}

/** Members listed for general at most: a workspace this size wants a search, not a list. */
const MAX_LISTED_USERS = 1000;

export interface Accounts {
  /** Serves /api/auth/*; returns false (and does nothing) for any other path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** The account whose session cookie these request headers carry, or null. */
  identifySession(headers: IncomingHttpHeaders): Promise<AccountIdentity | null>;
  /** The account a personal access token belongs to, or null for anything else. */
  identifyToken(token: unknown): Promise<AccountIdentity | null>;
  /** Whether the session or token an identity was established with is still valid (guests always are). */
  isStillValid(identity: Identity): Promise<boolean>;
  /** Persists an account's display name. */
  updateDisplayName(userId: string, name: string): Promise<void>;
  /** The account with this username (any case), or null. */
  findUserByUsername(username: string): Promise<Member | null>;
  /** The accounts among these ids, as members of channels see them (guests and unknown ids are absent). */
  getUsers(ids: readonly string[]): Promise<Map<string, Member>>;
  /** Every account (the members of general), by username. */
  listUsers(): Promise<Member[]>;
  /** Tells `listener` about every session that ends and every token revoked through this instance. */
  onRevoked(listener: (revocation: Revocation) => void): () => void;
}

export interface AccountsOptions {
  database: AccountsStore;
  /** At least 32 characters: signs session cookies. */
  secret: string;
  logger: Logger;
  trustProxy: ProxyTrust;
  /** Extra browser origins (ALLOWED_ORIGINS) whose pages may call the API with the user's cookie. */
  allowedOrigins: readonly string[];
  sessionDays: number;
  signInLimit: { perUsername: number; perAddress: number; windowMs: number };
}

interface UserRecord {
  id: string;
  name: string;
  username?: string | null;
  role?: string | null;
}

function toIdentity(user: UserRecord, credential: { sessionId: string } | { tokenId: string }): AccountIdentity | null {
  // A user without a username was not made through Tether's sign-up; it cannot act here.
  if (!user.username) return null;
  return {
    id: user.id,
    name: user.name,
    username: user.username,
    kind: "account",
    isAdmin: user.role === "admin",
    ...credential,
  };
}

export function createAccounts(options: AccountsOptions) {
  const { database, logger } = options;
  const revocations = new EventEmitter<{ revoked: [Revocation] }>();
  const revoked = (revocation: Revocation) => revocations.emit("revoked", revocation);

  const auth = betterAuth({
    appName: "Tether",
    basePath: AUTH_BASE_PATH,
    secret: options.secret,
    database: drizzleAdapter(database.betterAuth.db, { provider: database.betterAuth.provider, schema: database.betterAuth.schema }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      autoSignIn: true,
    },
    user: {
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "member", input: false },
      },
    },
    session: {
      expiresIn: options.sessionDays * DAY_SECONDS,
      // Used at least once a day, a session never expires; unused for `sessionDays`, it does.
      updateAge: DAY_SECONDS,
    },
    plugins: [
      // Before the username plugin, whose hooks read the body this one cleans up.
      usernameSignUp(),
      username({
        minUsernameLength: MIN_USERNAME_LENGTH,
        maxUsernameLength: MAX_USERNAME_LENGTH,
        usernameValidator: (name) => USERNAME_PATTERN.test(name),
        // Sign-in accepts any case: the name is lowercased first, then checked.
        validationOrder: { username: "post-normalization" },
        // The display name is the user's `name`, changed with profile:update.
        displayUsername: false,
      }),
      signInLimits({ counts: database.signInFailures, ...options.signInLimit }),
      accountSessions(),
      accessTokens({ onRevoked: (id) => revoked({ kind: "token", id }) }),
    ],
    databaseHooks: {
      user: {
        create: {
          after: async (user) => {
            if (await database.claimAdminRole(user.id)) logger.info({ userId: user.id }, "first account: workspace admin");
          },
        },
      },
      session: {
        // Sign-out, "Sign out everywhere" and expiry all end here, one call per session.
        delete: {
          after: async (session) => {
            revoked({ kind: "session", id: session.id });
          },
        },
      },
    },
    // The page's own origin (whatever host it is served on, as for Socket.IO) and ALLOWED_ORIGINS.
    trustedOrigins: (request) => {
      const host = request?.headers.get("host");
      return [...(host ? [`http://${host}`, `https://${host}`] : []), ...options.allowedOrigins];
    },
    // Over HTTP, only what Tether uses. Off: sign-in by the synthetic email (it would go around the per-username
    // limit), changing the username or email (/update-user; display names change with profile:update), the
    // email flows (Tether sends no email), and better-auth's session list (it hands every session's token to
    // the page; /account/sessions lists them without).
    disabledPaths: [
      "/sign-in/email",
      "/update-user",
      "/change-email",
      "/list-sessions",
      "/request-password-reset",
      "/reset-password",
      "/send-verification-email",
      "/verify-email",
    ],
    // Failed sign-ins have their own limit, shared by all instances (sign-in-limits.ts).
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    advanced: {
      cookiePrefix: "tether",
      // Secure is added per request, when it came over HTTPS (http-bridge.ts).
      useSecureCookies: false,
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    // Refusals (a wrong password, a taken username) are answers, not faults: logged at debug, not as errors.
    onAPIError: {
      onError: (error) => {
        if (isAPIError(error) && error.statusCode < 500) logger.debug({ status: error.statusCode, code: error.body?.code }, `auth: ${error.message}`);
        else logger.error({ err: error }, "auth request failed");
      },
    },
    logger: {
      level: "error",
      log: (level, message, ...args) => logger[level]({ args }, `better-auth: ${message}`),
    },
  });

  const context = auth.$context;

  const accounts: Accounts = {
    handleRequest(req, res) {
      const pathname = (req.url ?? "").split("?")[0]!;
      if (pathname !== AUTH_BASE_PATH && !pathname.startsWith(`${AUTH_BASE_PATH}/`)) return false;
      serveWithFetchHandler(auth.handler, req, res, { trustProxy: options.trustProxy }).catch((error: unknown) => {
        logger.error({ err: error, path: pathname }, "auth request failed");
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ code: "INTERNAL", message: "Something went wrong; try again." }));
      });
      return true;
    },

    async identifySession(headers) {
      // No session cookie, no session to look up: a guest's page load or handshake costs no query (and enters none
      // of better-auth's AsyncLocalStorage instances, whose hooks would then run for every async resource the
      // process creates: docs/performance.md, "Server CPU per fan-out message").
      const { authCookies } = await context;
      if (readCookie(headers.cookie, authCookies.sessionToken.name) === undefined) return null;
      const found = await auth.api.getSession({ headers: toWebHeaders(headers) });
      return found ? toIdentity(found.user, { sessionId: found.session.id }) : null;
    },

    async identifyToken(token) {
      if (!looksLikeAccessToken(token)) return null;
      const { adapter, internalAdapter } = await context;
      const record = await adapter.findOne<{ id: string; userId: string }>({
        model: "accessToken",
        where: [{ field: "tokenHash", value: hashAccessToken(token) }],
      });
      if (!record) return null;
      const user = (await internalAdapter.findUserById(record.userId)) as UserRecord | null;
      if (!user) return null;
      await adapter.update({ model: "accessToken", where: [{ field: "id", value: record.id }], update: { lastUsedAt: new Date() } });
      return toIdentity(user, { tokenId: record.id });
    },

    async isStillValid(identity) {
      if (identity.kind === "guest") return true;
      const { adapter } = await context;
      if (identity.tokenId) {
        return (await adapter.findOne({ model: "accessToken", where: [{ field: "id", value: identity.tokenId }] })) !== null;
      }
      if (identity.sessionId) {
        const session = await adapter.findOne<{ expiresAt: Date }>({ model: "session", where: [{ field: "id", value: identity.sessionId }] });
        return session !== null && new Date(session.expiresAt).getTime() > Date.now();
      }
      return false;
    },

    findUserByUsername: (username) => database.findUserByUsername(username.toLowerCase()),
    getUsers: (ids) => database.getUsers(ids),
    listUsers: () => database.listUsers(MAX_LISTED_USERS),
    async updateDisplayName(userId, name) {
      const { internalAdapter } = await context;
      await internalAdapter.updateUser(userId, { name });
    },

    onRevoked(listener) {
      revocations.on("revoked", listener);
      return () => revocations.off("revoked", listener);
    },
  };
  return { accounts, auth };
}
