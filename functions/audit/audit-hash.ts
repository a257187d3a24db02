/**
 * How an audit row is hashed, precisely enough that anyone holding the rows can recompute it.
 *
 *   hash = lowercase hex of SHA-256( UTF-8( JCS(content) ) )
 *
 * where JCS is the JSON Canonicalization Scheme (RFC 8785: keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings as ECMAScript's JSON.stringify writes them) and `content` is
 * the object of the row's columns, named as in SQL:
 *
 *   { id, org_id, seq, actor_type, actor_id, action, target_type, target_id, data,
 *     delegation_chain, request_id, created_at, prev_hash }
 *
 * - absent values are JSON null (never omitted); `data` is the stored JSON object (`{}` if none);
 * - `id`, `org_id` and the `delegation_chain` uuids in lowercase, as Postgres prints them;
 * - `created_at` as ISO 8601 in UTC with milliseconds (`2026-01-02T03:04:05.678Z`), which is all
 *   the precision the writer gives it;
 * - `grant_chain` (delegation grant ids root → leaf, lowercase) is a key only when the row has
 *   one: rows written before the column existed hash exactly as they did;
 * - `prev_hash` is the previous row's `hash` in the same chain (one chain per org, one for
 *   org_id null), or GENESIS_HASH for the chain's first row (seq 1).
 *
 * The hash covers prev_hash, so each row vouches for every row before it: an edit, a gap, a
 * reorder or a row moved to another chain shows at the first row it touches.
 */
import canonicalize from "canonicalize";

/** prev_hash of the first row of every chain: 64 zeros, the width of a SHA-256 hex digest. */
export const GENESIS_HASH = "0".repeat(64);

/** An audit row as hashed: every column but `hash`. */
export interface AuditContent {
  id: string;
  orgId: string | null;
  seq: number;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  delegationChain: string[] | null;
  /** Absent or null: not under a grant (and not part of the hashed text). */
  grantChain?: string[] | null;
  requestId: string | null;
  createdAt: Date;
  prevHash: string;
}

/** The exact text that is hashed (RFC 8785 canonical JSON of the row's content). */
export function canonicalAuditText(row: AuditContent): string {
  const text = canonicalize({
    id: row.id.toLowerCase(),
    org_id: row.orgId?.toLowerCase() ?? null,
    seq: row.seq,
    actor_type: row.actorType,
    actor_id: row.actorId,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    data: row.data,
    delegation_chain: row.delegationChain?.map((id) => id.toLowerCase()) ?? null,
    ...(row.grantChain ? { grant_chain: row.grantChain.map((id) => id.toLowerCase()) } : {}),
    request_id: row.requestId,
    created_at: row.createdAt.toISOString(),
    prev_hash: row.prevHash,
  });
  if (text === undefined) throw new Error("audit row has no JSON form");
  return text;
}

export async function auditHashOf(row: AuditContent): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(canonicalAuditText(row)),
  );
  return toHex(new Uint8Array(digest));
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
