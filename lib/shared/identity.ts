/**
 * Who a connection (or a page) is, as the server decided it: from an account's session cookie, a personal access
 * token, or the signed guest cookie — never from anything a client sends in a payload.
 */
import type { Author } from "./dto";

/** Usernames: 3-32 characters of a-z 0-9 _ -, kept lowercase, so unique ignoring case. */
export const MIN_USERNAME_LENGTH = 3;
export const MAX_USERNAME_LENGTH = 32;
export const USERNAME_PATTERN = /^[a-z0-9_-]{3,32}$/;
export const MIN_PASSWORD_LENGTH = 8;
/** A bound on the work a password hash costs the server. */
export const MAX_PASSWORD_LENGTH = 128;
export const MAX_TOKEN_NAME_LENGTH = 64;

/**
 * The server-side identity of a connection (`socket.data.user`). `id` and `name` mean what they always meant: a
 * message's author is `{ id, name }`.
 */
export interface Identity extends Author {
  /** The account's username; null for a guest. */
  username: string | null;
  kind: "account" | "guest";
  /** The workspace admin: the first account created. */
  isAdmin: boolean;
  /** The account session (cookie) the connection was opened with. */
  sessionId?: string;
  /** The personal access token the connection was opened with. */
  tokenId?: string;
  /** A guest without the signed guest cookie (a script): its id lasts this one connection. */
  ephemeral?: boolean;
}

/** What a client is told about itself in `session:ready`: no credential ids. */
export interface PublicUser extends Author {
  username: string | null;
}

export function publicUser(identity: Identity): PublicUser {
  return { id: identity.id, name: identity.name, username: identity.username };
}
