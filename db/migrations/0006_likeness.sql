ALTER TABLE "outputs" ADD COLUMN "likeness" jsonb;--> statement-breakpoint
ALTER TABLE "photos" ADD COLUMN "faces" jsonb;--> statement-breakpoint
ALTER TABLE "photos" ADD COLUMN "kept_anyway_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "likeness" jsonb;--> statement-breakpoint
ALTER TABLE "training_samples" ADD COLUMN "likeness" jsonb;