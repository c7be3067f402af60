import { bigint, bigserial, index, pgTable, text } from "drizzle-orm/pg-core";

export const channels = pgTable("channels", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  name: text("name").notNull().unique(),
  createdBy: text("created_by"),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
});
export type ChannelRow = typeof channels.$inferSelect;

export const messages = pgTable(
  "messages",
  {
    // No sequence: the store assigns `max(id) + 1` while it holds the global write lock (see pg-message-store.ts),
    // so ids are dense and commit order equals id order — the property cross-instance delivery relies on.
    id: bigint("id", { mode: "number" }).primaryKey(),
    clientOffset: text("client_offset").notNull().unique(),
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    authorId: text("author_id").notNull(),
    authorName: text("author_name").notNull(),
    content: text("content").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (table) => [
    // History pages: newest messages of one channel, below an id.
    index("messages_channel_id_idx").on(table.channel, table.id),
  ],
);
export type MessageRow = typeof messages.$inferSelect;
