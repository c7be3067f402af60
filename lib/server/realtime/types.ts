import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../../shared/events";

export type TetherServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type TetherSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * Every socket that is caught up joins this room; live messages are broadcast to it. For now every user is a
 * member of every channel, so one room carries all channels and no join can race a channel's creation.
 */
export const LIVE_FEED_ROOM = "feed";
