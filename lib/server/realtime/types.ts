import type { Server, Socket } from "socket.io";
import type { ChatMessage } from "../../shared/dto";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../../shared/events";

/** Events between Tether instances (Socket.IO's `serverSideEmit`), on a cluster only. */
export interface InterServerEvents {
  /** Messages an instance just committed, in id order: the other instances' delivery cores deliver them too. */
  "tether:committed": (messages: ChatMessage[]) => void;
}

export type TetherServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type TetherSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
