-- Unread and mention counts leave deleted messages out (issue 15): partial indexes the counts walk alone, and no
-- mention rows for a deleted message.
DROP INDEX "messages_author_channel_id_idx";--> statement-breakpoint
CREATE INDEX "messages_live_channel_id_idx" ON "messages" USING btree ("channel","id") WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "messages_live_author_channel_id_idx" ON "messages" USING btree ("author_id","channel","id") WHERE deleted_at IS NULL;--> statement-breakpoint
-- Hand-written: messages deleted before this migration mention nobody any more.
DELETE FROM message_mentions WHERE message_id IN (SELECT id FROM messages WHERE deleted_at IS NOT NULL);
