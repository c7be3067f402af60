/** profile:update: a new display name for this connection's identity, kept in the database for an account. */
import { ok, type Ack } from "../../shared/ack";
import type { Author } from "../../shared/dto";
import { parseProfileUpdate } from "../../shared/schemas";
import type { Accounts } from "../auth/create-accounts";
import type { TetherSocket } from "./types";

export function createProfileHandlers({ accounts }: { accounts: Accounts }) {
  async function updateProfile(socket: TetherSocket, payload: unknown): Promise<Ack<{ user: Author }>> {
    const parsed = parseProfileUpdate(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { name } = parsed.value;
    const { user } = socket.data;
    // Only the display name changes; the id (and for an account its username) stay what the server decided.
    if (user.kind === "account") await accounts.updateDisplayName(user.id, name);
    socket.data.user = { ...user, name };
    return ok({ user: { id: user.id, name } });
  }

  return { updateProfile };
}
