CREATE TABLE "model_prices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"model" text NOT NULL,
	"input_nano_usd_per_million" bigint NOT NULL,
	"output_nano_usd_per_million" bigint NOT NULL,
	"cached_input_nano_usd_per_million" bigint,
	"cache_write_nano_usd_per_million" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_prices_org_id_model_unique" UNIQUE("org_id","model"),
	CONSTRAINT "model_prices_not_negative_check" CHECK ("input_nano_usd_per_million" >= 0 and "output_nano_usd_per_million" >= 0 and coalesce("cached_input_nano_usd_per_million", 0) >= 0 and coalesce("cache_write_nano_usd_per_million", 0) >= 0)
);
--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "reserved_nano_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "refused_by" text;--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "price_known" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "model_prices" ADD CONSTRAINT "model_prices_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;