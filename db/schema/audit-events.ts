import { bigint, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, jsonObject } from "./columns.ts";

/**
 * Append-only, hash-chained audit trail: each row's hash covers its content and prev_hash, and
 * seq numbers rows per org, so a gap, an edit or a reorder breaks verification. A trigger (custom
 * migration) refuses UPDATE and DELETE. No foreign keys: the trail outlives what it describes,
 * and a cascading delete would be refused by that trigger anyway.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: id(),
    /** null = a system event outside any org. */
    orgId: uuid("org_id"),
    seq: bigint("seq", { mode: "number" }).notNull(),
    /** "master", "admin_token", "virtual_key", "agent", "system", ... */
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    data: jsonObject("data"),
    delegationChain: uuid("delegation_chain").array(),
    /** Grant ids root → leaf when the event happened under (or to) a delegation grant. */
    grantChain: uuid("grant_chain").array(),
    requestId: text("request_id"),
    createdAt: createdAt(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  // NULLS NOT DISTINCT: system events (org_id null) form one chain with one sequence too.
  (t) => [unique("audit_events_org_id_seq_unique").on(t.orgId, t.seq).nullsNotDistinct()],
);
