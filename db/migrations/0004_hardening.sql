ALTER TABLE "api_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "correlation_id" text;--> statement-breakpoint
ALTER TABLE "loras" ADD COLUMN "engine_version" text;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "engine_version" text;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "correlation_id" text;--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_idempotency_key_unique" UNIQUE("idempotency_key");--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_idempotency_key_unique" UNIQUE("idempotency_key");