import { type AnyPgColumn, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { agents } from "./agents.ts";
import { createdAt, id, instant, nanoUsd } from "./columns.ts";
import { orgs } from "./orgs.ts";

/**
 * Agent A lends agent B a bounded slice of its authority (DESIGN.md, "Delegation grants").
 * A re-delegation points at its parent grant; revoking a grant revokes every grant below it.
 */
export const delegationGrants = pgTable(
  "delegation_grants",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    fromAgentId: uuid("from_agent_id")
      .notNull()
      .references(() => agents.id),
    toAgentId: uuid("to_agent_id")
      .notNull()
      .references(() => agents.id),
    parentGrantId: uuid("parent_grant_id").references((): AnyPgColumn => delegationGrants.id, {
      onDelete: "cascade",
    }),
    /** Agent ids from the root grantor to this grantee, so usage and audit rows copy it as is. */
    chain: uuid("chain").array().notNull(),
    depth: integer("depth").notNull(),
    maxDepth: integer("max_depth").notNull(),
    /** Models the grantee may use; null = whatever the grantor may use. */
    models: text("models").array(),
    maxSpendNanoUsd: nanoUsd("max_spend_nano_usd").notNull(),
    rpm: integer("rpm"),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: instant("expires_at").notNull(),
    createdAt: createdAt(),
    revokedAt: instant("revoked_at"),
  },
  (t) => [
    index("delegation_grants_org_id_idx").on(t.orgId),
    // Revocation walks down from a grant to its children.
    index("delegation_grants_parent_grant_id_idx").on(t.parentGrantId),
  ],
);
