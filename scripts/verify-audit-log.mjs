#!/usr/bin/env node
/**
 * Verifies an exported Switchyard audit log offline, with node:crypto only.
 *
 *   node scripts/verify-audit-log.mjs export.json [--public-key <base64 SPKI DER>]
 *                                     [--checkpoints checkpoints.json]
 *
 * export.json is what the `auditLogExport(orgId)` query returns:
 *   { "events": [ { id, org_id, seq, ..., prev_hash, hash }, ... ],
 *     "checkpoint": { "signedText", "publicKey", "signature" },
 *     "checkpoints": [ { "signedText", "publicKey", "signature" }, ... ] }
 * "checkpoint" is signed at export time; "checkpoints" are the ones the audit-checkpoints cron
 * job stored earlier. --checkpoints adds checkpoints kept apart from the server (a JSON array of
 * the same objects, or the saved GraphQL answer of `org { auditCheckpoints { edges { node {
 * signedText publicKey signature } } } }`): a chain rewritten on the server after they were
 * signed, hashes recomputed and all, no longer reaches them.
 *
 * Checks, in order:
 *  1. every event's hash is SHA-256 of the RFC 8785 canonical JSON of the event without `hash`
 *     (functions/audit/audit-hash.ts documents the form), seq runs 1..n with no gap, and each
 *     prev_hash is the previous hash (64 zeros for seq 1);
 *  2. the checkpoint's Ed25519 signature over signedText verifies with the public key: the one
 *     given with --public-key (pin the server's key: a copy could carry its own), otherwise the
 *     one in the file, with a warning;
 *  3. the chain reaches the checkpoint: the event at the checkpoint's seq has its head_hash, so
 *     no row up to the checkpoint was edited, removed, added or reordered;
 *  4. the same two checks for every stored checkpoint (a stored one past the export's last event
 *     is only reported: the export is older than it).
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

export function verifyAuditLog(exported, pinnedPublicKey, extraCheckpoints = []) {
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
  const warnings = pinnedPublicKey
    ? []
    : [
        "the checkpoints were verified with the keys in the file; pass --public-key to pin the server's",
      ];
  const claim = checkClaim(checkpoint, pinnedPublicKey, events, "the checkpoint");
  if (typeof claim === "string") return fail(claim);
  if (claim.seq > events.length) {
    return fail(`the log has ${events.length} events, the checkpoint vouches for ${claim.seq}`);
  }
  const org = events[0]?.org_id ?? claim.org_id;
  if (events.some((event) => event.org_id !== claim.org_id) || org !== claim.org_id) {
    return fail("the events are not all of the checkpoint's org");
  }
  let storedChecked = 0;
  for (const stored of [...(exported.checkpoints ?? []), ...extraCheckpoints]) {
    const storedClaim = checkClaim(stored, pinnedPublicKey, events, "a stored checkpoint");
    if (typeof storedClaim === "string") return fail(storedClaim);
    if (storedClaim.org_id !== claim.org_id) {
      return fail(`a stored checkpoint (seq ${storedClaim.seq}) is of another org`);
    }
    if (storedClaim.seq > events.length) {
      warnings.push(`a stored checkpoint at seq ${storedClaim.seq} is past the export's end`);
      continue;
    }
    storedChecked++;
  }
  return {
    valid: true,
    checked: events.length,
    checkpointSeq: claim.seq,
    storedChecked,
    warnings,
  };
}

/** Verifies one checkpoint's signature and that the chain reaches it; a string says why not. */
function checkClaim(checkpoint, pinnedPublicKey, events, what) {
  const publicKey = createPublicKey({
    key: Buffer.from(pinnedPublicKey ?? checkpoint.publicKey, "base64"),
    format: "der",
    type: "spki",
  });
  const signed = verify(
    null,
    Buffer.from(checkpoint.signedText, "utf8"),
    publicKey,
    Buffer.from(checkpoint.signature, "base64"),
  );
  const claim = JSON.parse(checkpoint.signedText);
  if (!signed) return `${what}'s signature does not verify (seq ${claim.seq})`;
  if (claim.seq > events.length) return claim;
  const head = claim.seq === 0 ? GENESIS_HASH : events[claim.seq - 1]?.hash;
  if (head !== claim.head_hash) {
    return `the chain does not reach ${what} at seq ${claim.seq}: rewritten after it was signed`;
  }
  return claim;
}

function fail(reason) {
  return { valid: false, reason };
}

/** A checkpoints file: an array, or the saved GraphQL answer of Org.auditCheckpoints. */
function checkpointList(parsed) {
  if (Array.isArray(parsed)) return parsed;
  const connection = parsed?.data?.org?.auditCheckpoints ?? parsed?.auditCheckpoints ?? parsed;
  if (Array.isArray(connection?.edges)) return connection.edges.map((edge) => edge.node);
  throw new Error("--checkpoints: expected an array of checkpoints or an auditCheckpoints answer");
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error(
      "usage: node scripts/verify-audit-log.mjs export.json [--public-key <base64>] [--checkpoints file.json]",
    );
    process.exit(2);
  }
  const keyAt = rest.indexOf("--public-key");
  const pinned = keyAt >= 0 ? rest[keyAt + 1] : undefined;
  const checkpointsAt = rest.indexOf("--checkpoints");
  const extra =
    checkpointsAt >= 0
      ? checkpointList(JSON.parse(readFileSync(rest[checkpointsAt + 1], "utf8")))
      : [];
  const parsed = JSON.parse(readFileSync(file, "utf8"));
  // The GraphQL answer as saved ({data:{auditLogExport}}) is accepted as is.
  const exported = parsed?.data?.auditLogExport ?? parsed;
  const verdict = verifyAuditLog(exported, pinned, extra);
  if (!verdict.valid) {
    console.error(`INVALID: ${verdict.reason}`);
    process.exit(1);
  }
  for (const warning of verdict.warnings) console.error(`warning: ${warning}`);
  const stored = verdict.storedChecked > 0 ? `, ${verdict.storedChecked} stored checkpoints` : "";
  console.log(
    `valid: ${verdict.checked} events, checkpoint at seq ${verdict.checkpointSeq}${stored}`,
  );
}
