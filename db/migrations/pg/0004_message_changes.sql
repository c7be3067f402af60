-- Messages that change (issue 15): the changes log (one offset sequence with messages and events) and the
-- message's current state on its row. The GIN index of 0003_search follows the content column.
CREATE TABLE "message_changes" (
	"offset" bigint PRIMARY KEY NOT NULL,
	"message_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"actor_id" text NOT NULL,
	"data" text,
	"client_offset" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "message_changes_client_offset_unique" UNIQUE("client_offset")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "edited_at" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "deleted_at" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reply_to" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reactions" text;--> statement-breakpoint
CREATE INDEX "message_changes_message_idx" ON "message_changes" USING btree ("message_id");--> statement-breakpoint
-- Hand-written: a message stored before this migration was never changed, so its version is its id.
UPDATE messages SET version = id;
