CREATE TABLE "training_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "vram_profile" text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "progress_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "training_events" ADD CONSTRAINT "training_events_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "training_events_run" ON "training_events" USING btree ("run_id","at");