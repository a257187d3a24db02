ALTER TABLE "usage_records" ADD COLUMN "reserved_nano_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "refused_by" text;