/**
 * The wire contract, typed once for server (`Server<C2S, S2C, {}, SocketData>`) and client (`Socket<S2C, C2S>`).
 * Documented in docs/protocol.md. Types never replace runtime validation: see ./schemas.ts.
 */
import type { AckCallback } from "./ack";
import type { Author, Channel, ChatMessage, HistoryPage, SendMessageResult, SessionReady } from "./dto";
import type { Identity } from "./identity";

export interface HandshakeAuth {
  /** Highest message id this client has processed. */
  serverOffset?: number;
  /** A guest's display name (an account's comes from the server). */
  name?: string;
  /** A personal access token: the connection acts as its account. */
  token?: string;
}

export interface SendMessagePayload {
  channel: string;
  content: string;
  clientOffset: string;
}

export interface HistoryFetchPayload {
  channel: string;
  before?: number;
  limit?: number;
}

export interface ChannelCreatePayload {
  name: string;
}

export interface ProfileUpdatePayload {
  name: string;
}

export interface ClientToServerEvents {
  "message:send": (payload: SendMessagePayload, ack: AckCallback<SendMessageResult>) => void;
  "history:fetch": (payload: HistoryFetchPayload, ack: AckCallback<HistoryPage>) => void;
  "channel:list": (ack: AckCallback<{ channels: Channel[] }>) => void;
  "channel:create": (payload: ChannelCreatePayload, ack: AckCallback<{ channel: Channel }>) => void;
  "profile:update": (payload: ProfileUpdatePayload, ack: AckCallback<{ user: Author }>) => void;
}

export interface ServerToClientEvents {
  /** One live message. */
  "message:new": (message: ChatMessage) => void;
  /** Catch-up replay: ascending by id, sent before any live message with a higher id. */
  "message:batch": (messages: ChatMessage[]) => void;
  "channel:created": (channel: Channel) => void;
  /**
   * Sent once per connection, after any catch-up. It carries an acknowledgement callback, which older clients call;
   * the server no longer needs it.
   */
  "session:ready": (info: SessionReady, confirm: () => void) => void;
}

export interface SocketData {
  /** Decided by the server at the handshake (identity-middleware.ts); never taken from a payload. */
  user: Identity;
}
