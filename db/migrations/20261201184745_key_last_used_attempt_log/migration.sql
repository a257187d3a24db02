ALTER TABLE "usage_records" ADD COLUMN "attempt_log" jsonb DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD COLUMN "last_used_at" timestamp with time zone;