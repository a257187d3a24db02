import { index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { agents } from "./agents.ts";
import { createdAt, id, instant, jsonObject } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { teams } from "./teams.ts";

/** A gateway credential and its limits. Its secrets live in virtualKeySecrets. */
export const virtualKeys = pgTable(
  "virtual_keys",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    teamId: uuid("team_id").references(() => teams.id),
    agentId: uuid("agent_id").references(() => agents.id),
    name: text("name").notNull(),
    /** The first characters of the current secret, for display only. */
    prefix: text("prefix").notNull(),
    /** Models this key may use; null = any model its org can reach. */
    models: text("models").array(),
    expiresAt: instant("expires_at"),
    rpm: integer("rpm"),
    tpm: integer("tpm"),
    maxConcurrency: integer("max_concurrency"),
    /**
     * Response cache opt-in for every call of this key (seconds an answer is kept and may be
     * replayed); null = not opted in (functions/cache/cache-policy.ts).
     */
    cacheTtlSeconds: integer("cache_ttl_seconds"),
    metadata: jsonObject("metadata"),
    createdAt: createdAt(),
    revokedAt: instant("revoked_at"),
    /** Written lazily, at most about once a minute per key (functions/auth/virtual-keys.ts). */
    lastUsedAt: instant("last_used_at"),
  },
  (t) => [index("virtual_keys_org_id_idx").on(t.orgId)],
);

/**
 * One row per secret of a key. Rotation adds a secret and gives the old one an expiry at the end
 * of its grace period, so both authenticate until then; that is why secrets are not a key column.
 */
export const virtualKeySecrets = pgTable(
  "virtual_key_secrets",
  {
    id: id(),
    keyId: uuid("key_id")
      .notNull()
      .references(() => virtualKeys.id, { onDelete: "cascade" }),
    /** Keyed hash of the secret: authentication is one unique-index lookup. */
    secretHash: text("secret_hash").notNull().unique(),
    createdAt: createdAt(),
    expiresAt: instant("expires_at"),
  },
  (t) => [index("virtual_key_secrets_key_id_idx").on(t.keyId)],
);
