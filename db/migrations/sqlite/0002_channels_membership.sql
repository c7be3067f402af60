CREATE TABLE `channel_members` (
	`channel` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text DEFAULT 'member' NOT NULL,
	`joined_at_offset` integer NOT NULL,
	`removed_at_offset` integer,
	PRIMARY KEY(`channel`, `user_id`),
	FOREIGN KEY (`channel`) REFERENCES `channels`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `channel_members_user_idx` ON `channel_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `log_events` (
	`offset` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`channel` text NOT NULL,
	`user_id` text,
	`data` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `channels` ADD `visibility` text DEFAULT 'public' NOT NULL;--> statement-breakpoint
ALTER TABLE `channels` ADD `created_at_offset` integer DEFAULT 0 NOT NULL;