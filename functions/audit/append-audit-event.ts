/**
 * The one writer of the audit trail. Each org has its own chain (org_id null: the system chain);
 * a new row takes the next seq of its chain and the previous row's hash (audit-hash.ts).
 *
 * Safe across instances: the append runs in a transaction that first takes a transaction-level
 * advisory lock keyed on the chain, so appends to one chain queue up while other chains go on.
 * Under READ COMMITTED (Postgres' default) the read of the last row that follows the lock sees
 * the previous holder's committed row. The unique (org_id, seq) constraint is the backstop: a
 * writer that skipped the lock would fail, not fork the chain. The lock ends with the
 * transaction, so a crashed writer cannot leave it held. PGlite takes the same path (one
 * connection: transactions already run one at a time there).
 */
import { desc, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { auditEvents } from "../../db/schema/index.ts";
import { type AuditContent, auditHashOf, GENESIS_HASH } from "./audit-hash.ts";

export type AuditEventRow = typeof auditEvents.$inferSelect;

export interface AuditEventInput {
  /** null: a system event outside any org (its own chain). */
  orgId: string | null;
  /** "master", "admin_token", "virtual_key", "agent", "system", ... */
  actorType: string;
  actorId?: string | null;
  /** What happened, `<noun>.<verb in the past>`: "budget.threshold_crossed". */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** JSON-safe details; stored (and hashed) as their JSON form. */
  data?: Record<string, unknown>;
  delegationChain?: string[] | null;
  /** Grant ids root → leaf, when the event happened under or to a delegation grant. */
  grantChain?: string[] | null;
  requestId?: string | null;
  /** When it happened (default: now). Kept to the millisecond. */
  createdAt?: Date;
}

/** Two-key advisory locks live apart from the one-key lock the migrator takes. */
const CHAIN_LOCK_CLASS = sql`hashtext('switchyard.audit')`;
const SYSTEM_CHAIN = "system";

export async function appendAuditEvent(
  db: Database,
  event: AuditEventInput,
): Promise<AuditEventRow> {
  const orgId = event.orgId?.toLowerCase() ?? null;
  const draft = {
    id: crypto.randomUUID(),
    orgId,
    actorType: event.actorType,
    actorId: event.actorId ?? null,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    // Hash what jsonb will give back: the JSON form (Dates become strings, undefined goes).
    data: jsonForm(event.data ?? {}),
    delegationChain: event.delegationChain?.map((id) => id.toLowerCase()) ?? null,
    grantChain: event.grantChain?.map((id) => id.toLowerCase()) ?? null,
    requestId: event.requestId ?? null,
    // Postgres keeps microseconds; a JS Date has milliseconds, so the stored instant reads back
    // exactly as hashed.
    createdAt: new Date(event.createdAt?.getTime() ?? Date.now()),
  };
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select pg_advisory_xact_lock(${CHAIN_LOCK_CLASS}, hashtext(${orgId ?? SYSTEM_CHAIN}))`,
    );
    const [last] = await tx
      .select({ seq: auditEvents.seq, hash: auditEvents.hash })
      .from(auditEvents)
      .where(orgId === null ? isNull(auditEvents.orgId) : eq(auditEvents.orgId, orgId))
      .orderBy(desc(auditEvents.seq))
      .limit(1);
    const content: AuditContent = {
      ...draft,
      seq: (last?.seq ?? 0) + 1,
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const [row] = await tx
      .insert(auditEvents)
      .values({ ...content, hash: await auditHashOf(content) })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  });
}

function jsonForm(data: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
}
