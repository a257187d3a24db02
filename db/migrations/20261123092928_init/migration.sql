CREATE TYPE "admin_role" AS ENUM('OWNER', 'ADMIN', 'VIEWER');--> statement-breakpoint
CREATE TYPE "budget_scope" AS ENUM('ORG', 'TEAM', 'KEY', 'AGENT', 'GRANT');--> statement-breakpoint
CREATE TYPE "route_strategy" AS ENUM('PRIORITY', 'WEIGHTED', 'LATENCY', 'LEAST_BUSY', 'COST');--> statement-breakpoint
CREATE TABLE "admin_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"role" "admin_role" NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL UNIQUE,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"team_id" uuid,
	"name" text NOT NULL,
	"metadata" jsonb DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid,
	"seq" bigint NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"data" jsonb DEFAULT '{}' NOT NULL,
	"delegation_chain" uuid[],
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_events_org_id_seq_unique" UNIQUE NULLS NOT DISTINCT("org_id","seq")
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"scope" "budget_scope" NOT NULL,
	"scope_id" uuid NOT NULL,
	"limit_nano_usd" bigint NOT NULL,
	"window" text NOT NULL,
	"alert_thresholds" double precision[] DEFAULT '{0.8,1}'::double precision[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budgets_scope_scope_id_window_unique" UNIQUE("scope","scope_id","window"),
	CONSTRAINT "budgets_window_check" CHECK ("window" in ('1h', '1d', '7d', '30d', 'TOTAL'))
);
--> statement-breakpoint
CREATE TABLE "delegation_grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"from_agent_id" uuid NOT NULL,
	"to_agent_id" uuid NOT NULL,
	"parent_grant_id" uuid,
	"chain" uuid[] NOT NULL,
	"depth" integer NOT NULL,
	"max_depth" integer NOT NULL,
	"models" text[],
	"max_spend_nano_usd" bigint NOT NULL,
	"rpm" integer,
	"token_hash" text NOT NULL UNIQUE,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "model_deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"route_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"model" text NOT NULL,
	"weight" integer DEFAULT 1 NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"timeout_ms" integer
);
--> statement-breakpoint
CREATE TABLE "model_routes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid,
	"alias" text NOT NULL,
	"strategy" "route_strategy" NOT NULL,
	"fallback_on" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_routes_org_id_alias_unique" UNIQUE NULLS NOT DISTINCT("org_id","alias")
);
--> statement-breakpoint
CREATE TABLE "orgs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"base_url" text,
	"api_key_ciphertext" text,
	"config" jsonb DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "providers_org_id_name_unique" UNIQUE NULLS NOT DISTINCT("org_id","name")
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_org_id_name_unique" UNIQUE("org_id","name")
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"request_id" text NOT NULL UNIQUE,
	"org_id" uuid NOT NULL,
	"team_id" uuid,
	"key_id" uuid,
	"agent_id" uuid,
	"grant_id" uuid,
	"delegation_chain" uuid[],
	"endpoint" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"route_alias" text,
	"status" integer NOT NULL,
	"stream" boolean NOT NULL,
	"cache_hit" boolean NOT NULL,
	"attempts" integer NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cached_input_tokens" integer NOT NULL,
	"usage_estimated" boolean NOT NULL,
	"cost_nano_usd" bigint NOT NULL,
	"latency_ms" integer NOT NULL,
	"trace_id" text,
	"metadata" jsonb DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "virtual_key_secrets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"key_id" uuid NOT NULL,
	"secret_hash" text NOT NULL UNIQUE,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "virtual_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"team_id" uuid,
	"agent_id" uuid,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"models" text[],
	"expires_at" timestamp with time zone,
	"rpm" integer,
	"tpm" integer,
	"max_concurrency" integer,
	"metadata" jsonb DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "agents_org_id_idx" ON "agents" ("org_id");--> statement-breakpoint
CREATE INDEX "delegation_grants_org_id_idx" ON "delegation_grants" ("org_id");--> statement-breakpoint
CREATE INDEX "delegation_grants_parent_grant_id_idx" ON "delegation_grants" ("parent_grant_id");--> statement-breakpoint
CREATE INDEX "model_deployments_route_id_idx" ON "model_deployments" ("route_id");--> statement-breakpoint
CREATE INDEX "usage_records_org_id_created_at_idx" ON "usage_records" ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "virtual_key_secrets_key_id_idx" ON "virtual_key_secrets" ("key_id");--> statement-breakpoint
CREATE INDEX "virtual_keys_org_id_idx" ON "virtual_keys" ("org_id");--> statement-breakpoint
ALTER TABLE "admin_tokens" ADD CONSTRAINT "admin_tokens_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_team_id_teams_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id");--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "delegation_grants" ADD CONSTRAINT "delegation_grants_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "delegation_grants" ADD CONSTRAINT "delegation_grants_from_agent_id_agents_id_fkey" FOREIGN KEY ("from_agent_id") REFERENCES "agents"("id");--> statement-breakpoint
ALTER TABLE "delegation_grants" ADD CONSTRAINT "delegation_grants_to_agent_id_agents_id_fkey" FOREIGN KEY ("to_agent_id") REFERENCES "agents"("id");--> statement-breakpoint
ALTER TABLE "delegation_grants" ADD CONSTRAINT "delegation_grants_parent_grant_id_delegation_grants_id_fkey" FOREIGN KEY ("parent_grant_id") REFERENCES "delegation_grants"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_route_id_model_routes_id_fkey" FOREIGN KEY ("route_id") REFERENCES "model_routes"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_provider_id_providers_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id");--> statement-breakpoint
ALTER TABLE "model_routes" ADD CONSTRAINT "model_routes_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "virtual_key_secrets" ADD CONSTRAINT "virtual_key_secrets_key_id_virtual_keys_id_fkey" FOREIGN KEY ("key_id") REFERENCES "virtual_keys"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_team_id_teams_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id");--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_agent_id_agents_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id");