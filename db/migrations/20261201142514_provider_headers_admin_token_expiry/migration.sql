ALTER TABLE "admin_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "headers_ciphertext" text;