/**
 * Who a socket is, decided by the server alone, from what the handshake carries:
 * 1. `auth.token`, a personal access token → its account (a token that is present but not valid is refused,
 *    rather than quietly turned into a guest: a script should learn that its token was revoked);
 * 2. otherwise an account's session cookie → that account;
 * 3. otherwise, when guests are allowed, a guest: the signed guest cookie's id, or for a client without one (a
 *    script) a fresh id for this connection. The handshake may only suggest a guest's display name.
 * Without an account and with GUEST_ACCESS=false, the connection is refused with `unauthorized`.
 *
 * A connection opened with a session or a token joins that credential's room, so that revoking the credential
 * closes it on every instance (see credential-rooms.ts).
 */
import { randomBytes } from "node:crypto";
import type { ExtendedError } from "socket.io";
import type { ErrorCode } from "../../shared/errors";
import type { Identity } from "../../shared/identity";
import { normalizeDisplayName, parseReplayRequest, parseServerOffset } from "../../shared/schemas";
import type { Accounts } from "../auth/create-accounts";
import { readCookie, SESSION_COOKIE, type SessionSigner } from "../identity/session-cookie";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { credentialRoom } from "./credential-rooms";
import type { TetherSocket } from "./types";

export function guestName(userId: string): string {
  return `Guest ${userId.slice(-4)}`;
}

export interface IdentityMiddlewareDeps {
  signer: SessionSigner;
  accounts: Accounts;
  /** GUEST_ACCESS: whether a connection without an account may use the workspace. */
  guestAccess: boolean;
  logger: Logger;
  metrics: Metrics;
}

function refusal(message: string, code: ErrorCode, text: string): ExtendedError {
  const error: ExtendedError = new Error(message);
  error.data = { code, message: text };
  return error;
}

export function createIdentityMiddleware({ signer, accounts, guestAccess, logger, metrics }: IdentityMiddlewareDeps) {
  async function identify(socket: TetherSocket, auth: Record<string, unknown>): Promise<Identity | ExtendedError> {
    if (auth.token !== undefined) {
      const account = await accounts.identifyToken(auth.token);
      return account ?? refusal("unauthorized", "unauthorized", "This access token is not valid: it was revoked, or is mistyped.");
    }
    const account = await accounts.identifySession(socket.request.headers);
    if (account) return account;
    if (!guestAccess) return refusal("unauthorized", "unauthorized", "Sign in to use this workspace.");
    const signed = signer.verify(readCookie(socket.request.headers.cookie, SESSION_COOKIE));
    const id = signed ?? `guest_${randomBytes(9).toString("base64url")}`;
    const name = normalizeDisplayName(auth.name) ?? guestName(id);
    return { id, name, username: null, kind: "guest", isAdmin: false, ...(signed === null ? { ephemeral: true } : {}) };
  }

  return (socket: TetherSocket, next: (err?: ExtendedError) => void) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    if (parseServerOffset(auth.serverOffset) === null) {
      next(refusal("invalid_handshake", "invalid_payload", "auth.serverOffset must be a non-negative integer."));
      return;
    }
    const replay = parseReplayRequest(auth.replay);
    if (!replay.ok) {
      next(refusal("invalid_handshake", replay.error.code, replay.error.message));
      return;
    }
    identify(socket, auth).then(
      (identity) => {
        if (identity instanceof Error) {
          metrics.connectionsRefused.inc({ reason: "unauthorized" });
          return next(identity);
        }
        socket.data.user = identity;
        const room = credentialRoom(identity);
        if (room) void socket.join(room);
        next();
      },
      (error: unknown) => {
        logger.error({ err: error, socketId: socket.id }, "could not identify a connection");
        next(refusal("unavailable", "unavailable", "The server could not check who you are; try again."));
      },
    );
  };
}
