/**
 * Rooms by credential: a connection opened with an account session joins `session:<id>`, one opened with a
 * personal access token `token:<id>`. Ending the credential disconnects the room, on every instance (the
 * cluster adapter carries `disconnectSockets`). Rooms named `ch:*` and `u:*` belong to the delivery core.
 */
import type { Identity } from "../../shared/identity";
import type { Revocation } from "../auth/create-accounts";

export function credentialRoom(identity: Identity): string | null {
  if (identity.tokenId) return `token:${identity.tokenId}`;
  if (identity.sessionId) return `session:${identity.sessionId}`;
  return null;
}

export function revokedRoom(revocation: Revocation): string {
  return `${revocation.kind}:${revocation.id}`;
}
