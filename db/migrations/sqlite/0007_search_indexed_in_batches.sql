-- Search indexing leaves the insert of each message (docs/performance.md, "10."). The AFTER INSERT trigger ran an
-- FTS5 insert as a trigger program for every row, inside the transaction of the send: ~70 µs per message when each
-- commit holds one (a live chat), ~17 µs in a group commit of ~90, against ~2–5 µs per row when the store indexes
-- the new rows in one INSERT … SELECT per batch. The store now does that (sqlite-message-store.ts, indexPending):
-- shortly after each commit, and before every search, so a search still finds every acknowledged message.
-- `indexed_through` is the highest message id in the index; every message up to it is indexed, none above it.
-- Hand-written, as drizzle cannot describe triggers.
CREATE TABLE `search_index_state` (
  `id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
  `indexed_through` integer NOT NULL
);
--> statement-breakpoint
-- Every message so far was indexed by the trigger dropped below.
INSERT INTO `search_index_state` (`id`, `indexed_through`) VALUES (1, (SELECT COALESCE(MAX(`id`), 0) FROM `messages`));
--> statement-breakpoint
DROP TRIGGER `messages_fts_after_insert`;
--> statement-breakpoint
-- An edit or a delete changes the index only for a message already in it; one not indexed yet is indexed later with
-- the text it has then.
DROP TRIGGER `messages_fts_after_update`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_after_update` AFTER UPDATE OF `content` ON `messages`
WHEN old.id <= (SELECT indexed_through FROM search_index_state) BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
--> statement-breakpoint
DROP TRIGGER `messages_fts_after_delete`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_after_delete` AFTER DELETE ON `messages`
WHEN old.id <= (SELECT indexed_through FROM search_index_state) BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
