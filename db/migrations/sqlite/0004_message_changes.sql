-- Messages that change (issue 15): the changes log (one offset sequence with messages and events) and the
-- message's current state on its row. The FTS5 triggers of 0003_search already follow UPDATE OF content.
CREATE TABLE `message_changes` (
	`offset` integer PRIMARY KEY NOT NULL,
	`message_id` integer NOT NULL,
	`channel` text NOT NULL,
	`kind` text NOT NULL,
	`actor_id` text NOT NULL,
	`data` text,
	`client_offset` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `message_changes_client_offset_unique` ON `message_changes` (`client_offset`);--> statement-breakpoint
CREATE INDEX `message_changes_message_idx` ON `message_changes` (`message_id`);--> statement-breakpoint
ALTER TABLE `messages` ADD `version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `edited_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `deleted_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `reply_to` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `reactions` text;--> statement-breakpoint
-- Hand-written: a message stored before this migration was never changed, so its version is its id.
UPDATE messages SET version = id;
