import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../../shared/events";
import type { LogEntry } from "../../storage/message-store";

/** Events between Tether instances (Socket.IO's `serverSideEmit`), on a cluster only. */
export interface InterServerEvents {
  /** Entries an instance just committed, in offset order: the other instances' delivery cores deliver them too. */
  "tether:committed": (entries: LogEntry[]) => void;
  /** An identity's read state of a channel changed (a mark, a mute): each instance pushes it to its connections. */
  "tether:read": (notice: { identityId: string; channel: string }) => void;
  /** A message of `channel` was edited or deleted: each instance sends its readers (but the author) fresh counts. */
  "tether:recount": (notice: { channel: string; authorId: string }) => void;
  /** A user's presence on one instance changed (null: no connection there any more). */
  "tether:presence": (notice: { instanceId: string; userId: string; state: "online" | "away" | null }) => void;
}

export type TetherServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type TetherSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
