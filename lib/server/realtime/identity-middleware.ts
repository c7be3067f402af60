/**
 * Who a socket is, decided by the server alone: the user id comes from the signed session cookie sent with the
 * handshake, or, for a client without one (a script), from a fresh guest id for this connection. The handshake
 * may only suggest a display name.
 */
import { randomBytes } from "node:crypto";
import type { ExtendedError } from "socket.io";
import { normalizeDisplayName, parseServerOffset } from "../../shared/schemas";
import { readCookie, SESSION_COOKIE, type SessionSigner } from "../identity/session-cookie";
import type { TetherSocket } from "./types";

export function guestName(userId: string): string {
  return `Guest ${userId.slice(-4)}`;
}

export function createIdentityMiddleware(signer: SessionSigner) {
  return (socket: TetherSocket, next: (err?: ExtendedError) => void) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    if (parseServerOffset(auth.serverOffset) === null) {
      const error: ExtendedError = new Error("invalid_handshake");
      error.data = { code: "invalid_payload", message: "auth.serverOffset must be a non-negative integer." };
      next(error);
      return;
    }
    const userId = signer.verify(readCookie(socket.request.headers.cookie, SESSION_COOKIE)) ?? `guest_${randomBytes(9).toString("base64url")}`;
    socket.data.user = { id: userId, name: normalizeDisplayName(auth.name) ?? guestName(userId) };
    socket.data.live = false;
    next();
  };
}
