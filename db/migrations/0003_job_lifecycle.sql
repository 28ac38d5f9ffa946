CREATE TABLE "gpu_workers" (
	"worker_id" text PRIMARY KEY NOT NULL,
	"identity" text NOT NULL,
	"hostname" text NOT NULL,
	"queue" text NOT NULL,
	"capacity" integer DEFAULT 1 NOT NULL,
	"engines" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"jobs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_report_at" timestamp with time zone NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "loras_run";--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "loras_run_step" ON "loras" USING btree ("training_run_id","steps");--> statement-breakpoint
-- A character with more than one active run (the race the index below closes) keeps its newest one.
UPDATE "training_runs" SET "status" = 'failed', "phase" = 'done', "error_code" = 'duplicate', "finished_at" = now(), "updated_at" = now(),
	"error_message" = 'Another run of this character was started at the same moment; this one was closed'
WHERE "status" in ('queued', 'running') AND "deleted_at" is null AND "id" NOT IN (
	SELECT DISTINCT ON ("character_id") "id" FROM "training_runs"
	WHERE "status" in ('queued', 'running') AND "deleted_at" is null ORDER BY "character_id", "created_at" DESC);--> statement-breakpoint
CREATE UNIQUE INDEX "training_runs_one_active" ON "training_runs" USING btree ("character_id") WHERE "training_runs"."status" in ('queued', 'running') and "training_runs"."deleted_at" is null;