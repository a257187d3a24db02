/**
 * Signed checkpoints of an org's audit chain, so a copy of the log can be verified offline
 * (scripts/verify-audit-log.mjs) against a key the verifier trusts, not against the copy itself.
 *
 * A checkpoint says "org O's chain had `seq` rows and its head hash was `head_hash` at
 * `signed_at`", signed with Ed25519 over the RFC 8785 canonical JSON of exactly
 *
 *   { version: 1, org_id, seq, head_hash, signed_at }
 *
 * Since each row's hash covers every row before it (audit-hash.ts), one signature vouches for
 * the whole prefix: an edit, a removal or a reorder in a copy shows as a hash mismatch, and a
 * copy cut short of `seq` rows fails too (the one thing the chain alone cannot show).
 */
import canonicalize from "canonicalize";
import { desc, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { auditEvents } from "../../db/schema/index.ts";
import { type AuditContent, canonicalAuditText, GENESIS_HASH } from "./audit-hash.ts";
import type { CheckpointSigner } from "./checkpoint-signer.ts";

export interface AuditCheckpoint {
  version: 1;
  orgId: string | null;
  seq: number;
  headHash: string;
  signedAt: string;
  /** base64 SPKI DER of the Ed25519 public key. */
  publicKey: string;
  /** base64 Ed25519 signature of checkpointText(). */
  signature: string;
}

export function checkpointText(
  checkpoint: Pick<AuditCheckpoint, "version" | "orgId" | "seq" | "headHash" | "signedAt">,
): string {
  const text = canonicalize({
    version: checkpoint.version,
    org_id: checkpoint.orgId,
    seq: checkpoint.seq,
    head_hash: checkpoint.headHash,
    signed_at: checkpoint.signedAt,
  });
  if (text === undefined) throw new Error("checkpoint has no JSON form");
  return text;
}

const chainOf = (orgId: string | null) =>
  orgId === null ? isNull(auditEvents.orgId) : eq(auditEvents.orgId, orgId);

/** Signs the org's chain head as it is now (an empty chain: seq 0, the genesis hash). */
export async function signAuditCheckpoint(
  db: Database,
  signer: CheckpointSigner,
  orgId: string | null,
  now: Date,
): Promise<AuditCheckpoint> {
  const [head] = await db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(chainOf(orgId?.toLowerCase() ?? null))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  const body = {
    version: 1 as const,
    // As the rows store it (audit-hash.ts), so a verifier can compare them as text.
    orgId: orgId?.toLowerCase() ?? null,
    seq: head?.seq ?? 0,
    headHash: head?.hash ?? GENESIS_HASH,
    signedAt: now.toISOString(),
  };
  return { ...body, publicKey: signer.publicKey, signature: signer.sign(checkpointText(body)) };
}

/**
 * The org's chain as a verifier reads it: each row's hashed content (audit-hash.ts, snake_case
 * keys) plus its `hash`, in seq order.
 */
export async function exportAuditLog(
  db: Database,
  orgId: string | null,
): Promise<Array<Record<string, unknown>>> {
  const rows = await db.select().from(auditEvents).where(chainOf(orgId)).orderBy(auditEvents.seq);
  return rows.map((row) => ({
    ...(JSON.parse(canonicalAuditText(row as AuditContent)) as Record<string, unknown>),
    hash: row.hash,
  }));
}
