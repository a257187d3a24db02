CREATE TABLE "guardrail_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"request_id" text NOT NULL,
	"team_id" uuid,
	"key_id" uuid,
	"agent_id" uuid,
	"direction" text NOT NULL,
	"detector" text NOT NULL,
	"action" text NOT NULL,
	"matches" integer NOT NULL,
	"signals" text[] NOT NULL,
	"score" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guardrail_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"org_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"scope_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"detectors" text[] NOT NULL,
	"action" text NOT NULL,
	"restore_placeholders" boolean DEFAULT false NOT NULL,
	"topic_words" text[] DEFAULT '{}'::text[] NOT NULL,
	"topic_phrases" text[] DEFAULT '{}'::text[] NOT NULL,
	"topic_patterns" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "guardrail_policies_scope_direction_unique" UNIQUE("scope","scope_id","direction"),
	CONSTRAINT "guardrail_policies_scope_check" CHECK ("scope" in ('ORG', 'TEAM', 'KEY', 'AGENT')),
	CONSTRAINT "guardrail_policies_action_check" CHECK ("action" in ('OFF', 'FLAG', 'REDACT', 'BLOCK')),
	CONSTRAINT "guardrail_policies_direction_check" CHECK ("direction" in ('INPUT', 'OUTPUT', 'BOTH'))
);
--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "guardrails" jsonb DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE INDEX "guardrail_events_org_id_created_at_idx" ON "guardrail_events" ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "guardrail_policies_org_id_idx" ON "guardrail_policies" ("org_id");--> statement-breakpoint
ALTER TABLE "guardrail_policies" ADD CONSTRAINT "guardrail_policies_org_id_orgs_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE;