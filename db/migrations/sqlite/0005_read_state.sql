CREATE TABLE `message_mentions` (
	`message_id` integer NOT NULL,
	`channel` text NOT NULL,
	`mentioned` text NOT NULL,
	`author_id` text NOT NULL,
	PRIMARY KEY(`message_id`, `mentioned`)
);
--> statement-breakpoint
CREATE INDEX `message_mentions_mentioned_idx` ON `message_mentions` (`mentioned`,`channel`,`message_id`);--> statement-breakpoint
CREATE TABLE `read_states` (
	`identity_id` text NOT NULL,
	`channel` text NOT NULL,
	`read_up_to` integer DEFAULT 0 NOT NULL,
	`muted` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`identity_id`, `channel`),
	FOREIGN KEY (`channel`) REFERENCES `channels`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `messages_author_channel_id_idx` ON `messages` (`author_id`,`channel`,`id`);