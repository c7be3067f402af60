import type { MessageStore } from "../lib/storage/message-store";
import { openPgMessageStore } from "./pg-message-store";
import { openSqliteMessageStore, type SqliteStoreOptions } from "./sqlite-message-store";

/** Picks the store from DATABASE_URL: `file:<path>` is SQLite (the zero-setup default), `postgres://` PostgreSQL. */
export async function openMessageStore(databaseUrl: string, options: SqliteStoreOptions = {}): Promise<MessageStore> {
  if (databaseUrl.startsWith("file:")) return openSqliteMessageStore(databaseUrl.slice("file:".length), options);
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPgMessageStore(databaseUrl);
  throw new Error(`DATABASE_URL: unsupported scheme in "${redactUrl(databaseUrl)}" (expected file:<path> or postgres://…)`);
}

/** A database URL as it may appear in logs: without its password. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}
