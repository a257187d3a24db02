import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./columns.ts";
import { orgs } from "./orgs.ts";

/**
 * Where an org's events are POSTed (functions/alerts/). The signing secret is stored encrypted,
 * not hashed: the sender must sign every delivery with the secret itself, which the receiver
 * verifies with its own copy, so a one-way hash would leave nothing to sign with.
 */
export const webhooks = pgTable(
  "webhooks",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** AES-GCM with ENCRYPTION_KEY (the keyring), like a provider's apiKey; never returned. */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** Event types delivered, e.g. {"budget.threshold_crossed"}. */
    events: text("events").array().notNull(),
    createdAt: createdAt(),
    /** Set: nothing is delivered to it. */
    disabledAt: instant("disabled_at"),
  },
  // Every crossing reads its org's webhooks.
  (t) => [index("webhooks_org_id_index").on(t.orgId)],
);
