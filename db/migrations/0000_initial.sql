CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "characters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"trigger_word" text NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "generations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"character_id" uuid,
	"lora_id" uuid,
	"lora_strength" real,
	"base_model" text NOT NULL,
	"prompt" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"progress" real DEFAULT 0 NOT NULL,
	"workflow_id" text NOT NULL,
	"gpu_worker" text,
	"submitted_by" text,
	"source_generation_id" uuid,
	"error_code" text,
	"error_message" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "loras" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"character_id" uuid NOT NULL,
	"training_run_id" uuid,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"file_path" text NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"base_model" text NOT NULL,
	"steps" integer NOT NULL,
	"rank" integer,
	"trigger_word" text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "model_files" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"file_path" text NOT NULL,
	"size_bytes" bigint,
	"sha256" text,
	"bytes_done" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'missing' NOT NULL,
	"error_message" text,
	"workflow_id" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outputs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"generation_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"file_path" text NOT NULL,
	"mime_type" text DEFAULT 'image/png' NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"seed" bigint NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "photos" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"character_id" uuid NOT NULL,
	"original_name" text NOT NULL,
	"file_path" text NOT NULL,
	"mime_type" text NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"exif_orientation" integer DEFAULT 1 NOT NULL,
	"phash" text,
	"sharpness" real,
	"caption" text DEFAULT '' NOT NULL,
	"checks" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"excluded" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "self_tests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"steps" integer NOT NULL,
	"step" integer DEFAULT 0 NOT NULL,
	"workflow_id" text NOT NULL,
	"gpu_workers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"result" jsonb,
	"error_message" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"csrf_token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sessions_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_loss_points" (
	"run_id" uuid NOT NULL,
	"step" integer NOT NULL,
	"loss" real NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "training_loss_points_run_id_step_pk" PRIMARY KEY("run_id","step")
);
--> statement-breakpoint
CREATE TABLE "training_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"character_id" uuid NOT NULL,
	"preset" text NOT NULL,
	"advanced" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"resolved_config" jsonb,
	"base_model" text DEFAULT 'flux1-dev' NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"phase" text DEFAULT 'queued' NOT NULL,
	"step" integer DEFAULT 0 NOT NULL,
	"total_steps" integer NOT NULL,
	"last_checkpoint_step" integer,
	"it_per_sec" real,
	"eta_seconds" integer,
	"photo_ids" jsonb,
	"dataset_path" text,
	"workflow_id" text NOT NULL,
	"gpu_worker" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"stop_requested_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "training_samples" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"step" integer NOT NULL,
	"prompt_index" integer NOT NULL,
	"prompt" text,
	"file_path" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_lora_id_loras_id_fk" FOREIGN KEY ("lora_id") REFERENCES "public"."loras"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loras" ADD CONSTRAINT "loras_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loras" ADD CONSTRAINT "loras_training_run_id_training_runs_id_fk" FOREIGN KEY ("training_run_id") REFERENCES "public"."training_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outputs" ADD CONSTRAINT "outputs_generation_id_generations_id_fk" FOREIGN KEY ("generation_id") REFERENCES "public"."generations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "photos" ADD CONSTRAINT "photos_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_loss_points" ADD CONSTRAINT "training_loss_points_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_samples" ADD CONSTRAINT "training_samples_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "characters_name_live" ON "characters" USING btree (lower("name")) WHERE "characters"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "generations_workflow" ON "generations" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "generations_created" ON "generations" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "generations_character" ON "generations" USING btree ("character_id","created_at");--> statement-breakpoint
CREATE INDEX "generations_lora" ON "generations" USING btree ("lora_id","created_at");--> statement-breakpoint
CREATE INDEX "generations_status" ON "generations" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "loras_run" ON "loras" USING btree ("training_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "loras_character_version" ON "loras" USING btree ("character_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "outputs_generation_index" ON "outputs" USING btree ("generation_id","index");--> statement-breakpoint
CREATE INDEX "photos_character" ON "photos" USING btree ("character_id");--> statement-breakpoint
CREATE INDEX "photos_character_sha" ON "photos" USING btree ("character_id","sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "self_tests_workflow" ON "self_tests" USING btree ("workflow_id");--> statement-breakpoint
CREATE UNIQUE INDEX "training_runs_workflow" ON "training_runs" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "training_runs_character" ON "training_runs" USING btree ("character_id","created_at");--> statement-breakpoint
CREATE INDEX "training_runs_status" ON "training_runs" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "training_samples_file" ON "training_samples" USING btree ("run_id","file_path");--> statement-breakpoint
CREATE INDEX "training_samples_run" ON "training_samples" USING btree ("run_id","step");