#!/usr/bin/env node
/**
 * Verifies an exported Switchyard audit log offline, with node:crypto only.
 *
 *   node scripts/verify-audit-log.mjs export.json [--public-key <base64 SPKI DER>]
 *
 * export.json is what the `auditLogExport(orgId)` query returns:
 *   { "events": [ { id, org_id, seq, ..., prev_hash, hash }, ... ],
 *     "checkpoint": { "signedText", "publicKey", "signature" } }
 *
 * Checks, in order:
 *  1. every event's hash is SHA-256 of the RFC 8785 canonical JSON of the event without `hash`
 *     (functions/audit/audit-hash.ts documents the form), seq runs 1..n with no gap, and each
 *     prev_hash is the previous hash (64 zeros for seq 1);
 *  2. the checkpoint's Ed25519 signature over signedText verifies with the public key: the one
 *     given with --public-key (pin the server's key: a copy could carry its own), otherwise the
 *     one in the file, with a warning;
 *  3. the chain reaches the checkpoint: the event at the checkpoint's seq has its head_hash, so
 *     no row up to the checkpoint was edited, removed, added or reordered.
 * Exit code 0 when all hold; 1 with the first failure on stderr otherwise.
 */
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";

const GENESIS_HASH = "0".repeat(64);

/** RFC 8785 JSON Canonicalization for JSON values (keys by UTF-16 code units, ES number form). */
function canonical(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
}

export function verifyAuditLog(exported, pinnedPublicKey) {
  const events = [...(exported.events ?? [])].sort((a, b) => a.seq - b.seq);
  let previous = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    const { hash, ...content } = event;
    const expected = createHash("sha256").update(canonical(content), "utf8").digest("hex");
    if (event.seq !== index + 1)
      return fail(`event ${event.id}: seq ${event.seq}, expected ${index + 1}`);
    if (event.prev_hash !== previous)
      return fail(`event ${event.id} (seq ${event.seq}): broken link`);
    if (hash !== expected)
      return fail(`event ${event.id} (seq ${event.seq}): content does not match its hash`);
    previous = hash;
  }

  const checkpoint = exported.checkpoint;
  if (!checkpoint) return fail("no checkpoint in the export");
  const keyText = pinnedPublicKey ?? checkpoint.publicKey;
  const warnings = pinnedPublicKey
    ? []
    : [
        "the checkpoint was verified with the key in the file; pass --public-key to pin the server's",
      ];
  const publicKey = createPublicKey({
    key: Buffer.from(keyText, "base64"),
    format: "der",
    type: "spki",
  });
  const signed = verify(
    null,
    Buffer.from(checkpoint.signedText, "utf8"),
    publicKey,
    Buffer.from(checkpoint.signature, "base64"),
  );
  if (!signed) return fail("the checkpoint's signature does not verify");
  const claim = JSON.parse(checkpoint.signedText);
  if (claim.seq > events.length) {
    return fail(`the log has ${events.length} events, the checkpoint vouches for ${claim.seq}`);
  }
  const head = claim.seq === 0 ? GENESIS_HASH : events[claim.seq - 1]?.hash;
  if (head !== claim.head_hash)
    return fail(`the chain does not reach the checkpoint at seq ${claim.seq}`);
  const org = events[0]?.org_id ?? claim.org_id;
  if (events.some((event) => event.org_id !== claim.org_id) || org !== claim.org_id) {
    return fail("the events are not all of the checkpoint's org");
  }
  return { valid: true, checked: events.length, checkpointSeq: claim.seq, warnings };
}

function fail(reason) {
  return { valid: false, reason };
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node scripts/verify-audit-log.mjs export.json [--public-key <base64>]");
    process.exit(2);
  }
  const keyAt = rest.indexOf("--public-key");
  const pinned = keyAt >= 0 ? rest[keyAt + 1] : undefined;
  const parsed = JSON.parse(readFileSync(file, "utf8"));
  // The GraphQL answer as saved ({data:{auditLogExport}}) is accepted as is.
  const exported = parsed?.data?.auditLogExport ?? parsed;
  const verdict = verifyAuditLog(exported, pinned);
  if (!verdict.valid) {
    console.error(`INVALID: ${verdict.reason}`);
    process.exit(1);
  }
  for (const warning of verdict.warnings) console.error(`warning: ${warning}`);
  console.log(`valid: ${verdict.checked} events, checkpoint at seq ${verdict.checkpointSeq}`);
}
