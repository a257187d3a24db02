ALTER TABLE "model_routes" ADD COLUMN "cache_ttl_seconds" integer;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD COLUMN "cache_ttl_seconds" integer;