import { pgEnum, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./columns.ts";
import { orgs } from "./orgs.ts";

export const adminRole = pgEnum("admin_role", ["OWNER", "ADMIN", "VIEWER"]);
export type AdminRole = (typeof adminRole.enumValues)[number];

/** Org-scoped GraphQL admin credentials; the root MASTER_KEY is not stored here. */
export const adminTokens = pgTable("admin_tokens", {
  id: id(),
  orgId: uuid("org_id")
    .notNull()
    .references(() => orgs.id, { onDelete: "cascade" }),
  role: adminRole("role").notNull(),
  name: text("name").notNull(),
  /** The first characters of the secret, shown in listings so people can tell tokens apart. */
  prefix: text("prefix").notNull(),
  /** Keyed hash of the secret; the secret itself is shown once and never stored. */
  secretHash: text("secret_hash").notNull().unique(),
  createdAt: createdAt(),
  /** Null: never expires. Checked on every request, like revokedAt. */
  expiresAt: instant("expires_at"),
  /** Written lazily, at most about once a minute per token (schema/authenticate.ts). */
  lastUsedAt: instant("last_used_at"),
  revokedAt: instant("revoked_at"),
});
