/**
 * Periodic stored checkpoints (the `audit-checkpoints` cron job): for every chain whose head
 * moved since its last stored checkpoint, sign the head as it is now (checkpoint.ts) and keep it
 * in audit_checkpoints. A verifier holding these (scripts/verify-audit-log.mjs --checkpoints)
 * catches a chain rewritten after them, even one whose hashes were all recomputed: the rewrite
 * cannot reach the signed heads, and a fresh checkpoint cannot be backdated without the key.
 *
 * Idempotent across runs and instances: the unique (org_id, seq) and `on conflict do nothing`
 * mean two runs that read the same head store one row; the loser counts nothing.
 */
import { desc, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { auditCheckpoints, auditEvents } from "../../db/schema/index.ts";
import { type AuditCheckpoint, checkpointText, signAuditCheckpoint } from "./checkpoint.ts";
import type { CheckpointSigner } from "./checkpoint-signer.ts";

export type StoredCheckpoint = typeof auditCheckpoints.$inferSelect;

/** Chains (org ids; null = system) whose last event is past their last stored checkpoint. */
export async function chainsPastTheirCheckpoint(db: Database): Promise<Array<string | null>> {
  const rows = await db
    .select({ orgId: auditEvents.orgId })
    .from(auditEvents)
    .groupBy(auditEvents.orgId)
    .having(
      sql`max(${auditEvents.seq}) > coalesce((select max(c.seq) from ${auditCheckpoints} c where c.org_id is not distinct from ${auditEvents.orgId}), 0)`,
    );
  return rows.map((row) => row.orgId);
}

/** Signs and stores one checkpoint per moved chain; answers how many rows it stored. */
export async function storeAuditCheckpoints(
  db: Database,
  signer: CheckpointSigner,
  now: Date,
): Promise<{ chains: number; stored: number }> {
  const chains = await chainsPastTheirCheckpoint(db);
  let stored = 0;
  for (const orgId of chains) {
    const checkpoint = await signAuditCheckpoint(db, signer, orgId, now);
    const inserted = await db
      .insert(auditCheckpoints)
      .values({
        orgId: checkpoint.orgId,
        seq: checkpoint.seq,
        headHash: checkpoint.headHash,
        signedAt: new Date(checkpoint.signedAt),
        publicKey: checkpoint.publicKey,
        signature: checkpoint.signature,
      })
      .onConflictDoNothing()
      .returning({ id: auditCheckpoints.id });
    stored += inserted.length;
  }
  return { chains: chains.length, stored };
}

/** The org's stored checkpoints, newest first. */
export function listStoredCheckpoints(db: Database, orgId: string | null) {
  return db
    .select()
    .from(auditCheckpoints)
    .where(orgId === null ? isNull(auditCheckpoints.orgId) : eq(auditCheckpoints.orgId, orgId))
    .orderBy(desc(auditCheckpoints.seq));
}

/** A stored row as the signed checkpoint it was (its text is rebuilt exactly as signed). */
export function asCheckpoint(row: StoredCheckpoint): AuditCheckpoint & { signedText: string } {
  const checkpoint: AuditCheckpoint = {
    version: 1,
    orgId: row.orgId,
    seq: row.seq,
    headHash: row.headHash,
    signedAt: row.signedAt.toISOString(),
    publicKey: row.publicKey,
    signature: row.signature,
  };
  return { ...checkpoint, signedText: checkpointText(checkpoint) };
}
