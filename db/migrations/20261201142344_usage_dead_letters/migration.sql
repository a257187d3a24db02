CREATE TABLE "usage_dead_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"request_id" text UNIQUE,
	"record" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
