/**
 * Stable error codes sent to clients. Details are logged server-side; clients only ever see a code and a
 * short human message, never a stack trace or SQL.
 */
export const ERROR_CODES = [
  "invalid_payload",
  "invalid_client_offset",
  "invalid_channel_name",
  "content_empty",
  "content_too_long",
  "invalid_content",
  "unknown_channel",
  "channel_exists",
  "invalid_name",
  "rate_limited",
  "too_many_connections",
  "unavailable",
  "unknown_event",
  "internal",
  // Accounts (issue 13)
  /** The connection needs an account (GUEST_ACCESS=false), or its token or session is not valid. */
  "unauthorized",
  /** The identity is known but not allowed to do this. */
  "forbidden",
  /** No account has this username. */
  "unknown_user",
  // Messages that change (issue 15)
  /** No message with this id, or one the connection may not read. */
  "unknown_message",
  /** The message was deleted: it cannot be edited or reacted to. */
  "message_deleted",
  /** A message has at most MAX_REACTIONS_PER_MESSAGE distinct emoji. */
  "too_many_reactions",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AckError {
  code: ErrorCode;
  message: string;
  /** For `rate_limited`: how long to wait before trying again. */
  retryAfterMs?: number;
}

/** Errors a client should retry automatically (after a back-off); every other code is permanent. */
export const RETRYABLE_ERROR_CODES: ReadonlySet<ErrorCode> = new Set(["rate_limited", "unavailable", "internal"]);
