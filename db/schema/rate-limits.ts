import { index, integer, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { budgetScope } from "./budgets.ts";
import { createdAt, id, instant } from "./columns.ts";
import { orgs } from "./orgs.ts";

/**
 * Requests per minute, tokens per minute and concurrent calls for one scope (org, team, key,
 * agent or grant), optionally for one model only. A key's own limits are columns of the key;
 * these rows add limits on the other scopes, and per-model limits on any.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    scope: budgetScope("scope").notNull(),
    /** The org, team, key, agent or grant id; polymorphic, so no foreign key. */
    scopeId: uuid("scope_id").notNull(),
    /** Only calls naming this model count; null = every call. */
    model: text("model"),
    rpm: integer("rpm"),
    tpm: integer("tpm"),
    maxConcurrency: integer("max_concurrency"),
    createdAt: createdAt(),
    updatedAt: instant("updated_at")
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index("rate_limits_org_id_idx").on(t.orgId),
    // setRateLimit replaces the rule of a scope and model; "every model" is one rule too.
    unique("rate_limits_scope_model_unique").on(t.scope, t.scopeId, t.model).nullsNotDistinct(),
  ],
);
