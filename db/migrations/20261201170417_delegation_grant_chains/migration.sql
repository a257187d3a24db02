ALTER TABLE "audit_events" ADD COLUMN "grant_chain" uuid[];--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "grant_chain" uuid[];