-- Full-text search: an FTS5 index of messages.content (external content: the text is stored once, in messages).
-- Hand-written, as drizzle cannot describe virtual tables or triggers. The triggers keep the index in the
-- transaction that writes the message, so a message is findable as soon as its insert is acknowledged; an edited
-- message is found by its new text only, a deleted one no more.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(content, content='messages', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `messages_fts_after_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_after_delete` AFTER DELETE ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_after_update` AFTER UPDATE OF `content` ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
--> statement-breakpoint
-- Indexes the messages of a database created before this migration.
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
