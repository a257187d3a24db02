/**
 * Checks one chain of audit rows (one org's, or the system chain) without touching a database:
 * the caller reads the rows, this recomputes every hash (audit-hash.ts) and link.
 *
 * A row is invalid when its seq is not the next one (a gap or a duplicate), its prev_hash is not
 * the previous row's hash (GENESIS_HASH for seq 1), it belongs to another chain, or its hash is
 * not the hash of its content. Verification stops at the first invalid row: everything after it
 * hangs off a broken link. What it cannot see: rows cut from the end of the chain, which leave a
 * shorter chain that is still whole (compare `checked` with a count kept elsewhere for that).
 */
import { type AuditContent, auditHashOf, GENESIS_HASH } from "./audit-hash.ts";

export interface AuditChainRow extends AuditContent {
  hash: string;
}

export interface AuditChainVerdict {
  valid: boolean;
  /** Rows examined, the invalid one included. */
  checked: number;
  /** The first row that breaks the chain; null when the chain is whole. */
  firstInvalidId: string | null;
}

export async function verifyAuditChain(rows: readonly AuditChainRow[]): Promise<AuditChainVerdict> {
  const ordered = [...rows].sort((a, b) => a.seq - b.seq);
  const chain = ordered[0]?.orgId ?? null;
  let previousHash = GENESIS_HASH;
  for (const [index, row] of ordered.entries()) {
    const intact =
      row.seq === index + 1 &&
      row.orgId === chain &&
      row.prevHash === previousHash &&
      row.hash === (await auditHashOf(row));
    if (!intact) return { valid: false, checked: index + 1, firstInvalidId: row.id };
    previousHash = row.hash;
  }
  return { valid: true, checked: ordered.length, firstInvalidId: null };
}
