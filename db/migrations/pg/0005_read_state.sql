CREATE TABLE "message_mentions" (
	"message_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"mentioned" text NOT NULL,
	"author_id" text NOT NULL,
	CONSTRAINT "message_mentions_message_id_mentioned_pk" PRIMARY KEY("message_id","mentioned")
);
--> statement-breakpoint
CREATE TABLE "read_states" (
	"identity_id" text NOT NULL,
	"channel" text NOT NULL,
	"read_up_to" bigint DEFAULT 0 NOT NULL,
	"muted" boolean DEFAULT false NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "read_states_identity_id_channel_pk" PRIMARY KEY("identity_id","channel")
);
--> statement-breakpoint
ALTER TABLE "read_states" ADD CONSTRAINT "read_states_channel_channels_name_fk" FOREIGN KEY ("channel") REFERENCES "public"."channels"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_mentions_mentioned_idx" ON "message_mentions" USING btree ("mentioned","channel","message_id");--> statement-breakpoint
CREATE INDEX "messages_author_channel_id_idx" ON "messages" USING btree ("author_id","channel","id");