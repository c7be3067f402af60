-- One index of a channel's messages by id, for history pages and unread counts alike (db/schema.sqlite.ts): the
-- plain (channel, id) index and the partial one of live messages were two pages more for every send's commit to write.
DROP INDEX `messages_channel_id_idx`;--> statement-breakpoint
DROP INDEX `messages_live_channel_id_idx`;--> statement-breakpoint
CREATE INDEX `messages_channel_id_deleted_idx` ON `messages` (`channel`,`id`,`deleted_at`);