CREATE TABLE "caption_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"character_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"style" text NOT NULL,
	"photo_ids" jsonb,
	"total" integer DEFAULT 0 NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"workflow_id" text NOT NULL,
	"engine" text,
	"error_message" text,
	"correlation_id" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"endpoint" text NOT NULL,
	"url" text NOT NULL,
	"job_id" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"response_code" integer,
	"workflow_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "webhook_url" text;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "webhook_secret_sealed" text;--> statement-breakpoint
ALTER TABLE "loras" ADD COLUMN "notes" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "loras" ADD COLUMN "favourite" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "loras" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "outputs" ADD COLUMN "favourite" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "photos" ADD COLUMN "auto_caption" text;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "seconds_per_step" real;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "gpu_device" text;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "continued_from_run_id" uuid;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "start_step" integer;--> statement-breakpoint
ALTER TABLE "caption_jobs" ADD CONSTRAINT "caption_jobs_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "caption_jobs_character" ON "caption_jobs" USING btree ("character_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "caption_jobs_one_active" ON "caption_jobs" USING btree ("character_id") WHERE "caption_jobs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "webhook_deliveries_created_idx" ON "webhook_deliveries" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_continued_from_run_id_training_runs_id_fk" FOREIGN KEY ("continued_from_run_id") REFERENCES "public"."training_runs"("id") ON DELETE no action ON UPDATE no action;