CREATE TABLE "rate_limits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"scope" "budget_scope" NOT NULL,
	"scope_id" uuid NOT NULL,
	"model" text,
	"rpm" integer,
	"tpm" integer,
	"max_concurrency" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rate_limits_scope_model_unique" UNIQUE NULLS NOT DISTINCT("scope","scope_id","model")
);
--> statement-breakpoint
ALTER TABLE "admin_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "headers_ciphertext" text;--> statement-breakpoint
CREATE INDEX "rate_limits_org_id_idx" ON "rate_limits" ("org_id");--> statement-breakpoint
ALTER TABLE "rate_limits" ADD CONSTRAINT "rate_limits_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;