import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const channels = sqliteTable("channels", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  createdBy: text("created_by"),
  createdAt: integer("created_at").notNull(),
});
export type ChannelRow = typeof channels.$inferSelect;

export const messages = sqliteTable(
  "messages",
  {
    // AUTOINCREMENT: ids are never reused, even after the newest row is deleted, so a client's offset never
    // points at a different message later. This id is the server offset clients resume from.
    id: integer("id").primaryKey({ autoIncrement: true }),
    clientOffset: text("client_offset").notNull().unique(),
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    authorId: text("author_id").notNull(),
    authorName: text("author_name").notNull(),
    content: text("content").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [
    // History pages: newest messages of one channel, below an id.
    index("messages_channel_id_idx").on(table.channel, table.id),
  ],
);
export type MessageRow = typeof messages.$inferSelect;
