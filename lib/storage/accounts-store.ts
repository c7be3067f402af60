/**
 * The storage the accounts layer (lib/server/auth) needs: the database in the form better-auth's Drizzle adapter
 * takes it, plus the two operations better-auth has no model for. db/auth-database.ts implements it on SQLite and
 * PostgreSQL.
 */

import type { Member } from "../shared/dto";

/** Failed sign-ins counted per key within a fixed window, shared by every instance through the database. */
export interface SignInFailureCounts {
  /** Each key's failures in its current window; keys whose window started before `windowStart` are absent. */
  recent(keys: readonly string[], windowStart: number): Promise<Map<string, { count: number; windowStartedAt: number }>>;
  /** Counts one failure for each key, starting a new window at `now` where the old one ended before `windowStart`. */
  record(keys: readonly string[], now: number, windowStart: number): Promise<void>;
  clear(key: string): Promise<void>;
}

export interface AccountsStore {
  /** The Drizzle database and better-auth's model → table map, for better-auth's Drizzle adapter. */
  readonly betterAuth: { db: object; provider: "sqlite" | "pg"; schema: Record<string, unknown> };
  /**
   * Makes `userId` the workspace admin if nobody is yet, atomically across instances; returns whether it did.
   */
  claimAdminRole(userId: string): Promise<boolean>;
  readonly signInFailures: SignInFailureCounts;
  /** The account with this username (stored lowercase), or null. */
  findUserByUsername(username: string): Promise<Member | null>;
  /** The accounts among these ids (guests and unknown ids are absent). */
  getUsers(ids: readonly string[]): Promise<Map<string, Member>>;
  /** Every account, by username (at most `limit`). */
  listUsers(limit: number): Promise<Member[]>;
  close(): Promise<void>;
}
