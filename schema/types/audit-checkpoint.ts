/**
 * Signed audit checkpoints (functions/audit/checkpoint.ts): `auditCheckpoint(orgId)` signs the
 * org's chain head now; `Org.auditCheckpoints` lists the ones the audit-checkpoints cron job
 * stored (functions/audit/stored-checkpoints.ts); `auditLogExport(orgId)` returns the chain, a
 * fresh checkpoint and the stored ones in the file format scripts/verify-audit-log.mjs reads, so
 * a copy can be checked offline.
 */
import { eq } from "drizzle-orm";
import { auditCheckpoints } from "../../db/schema/index.ts";
import {
  checkpointText,
  exportAuditLog,
  signAuditCheckpoint,
} from "../../functions/audit/checkpoint.ts";
import {
  asCheckpoint,
  listStoredCheckpoints,
  type StoredCheckpoint,
} from "../../functions/audit/stored-checkpoints.ts";
import { builder } from "../builder.ts";
import { byIntegerDescending, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { adminError } from "../errors.ts";
import { Org } from "./org.ts";

interface SignedCheckpoint {
  seq: number;
  headHash: string;
  signedAt: Date;
  signedText: string;
  publicKey: string;
  signature: string;
}

const AuditCheckpoint = builder.objectRef<SignedCheckpoint>("AuditCheckpoint").implement({
  description: "The org's audit chain head, signed with the server's Ed25519 key.",
  fields: (t) => ({
    seq: t.exposeInt("seq", { description: "Rows in the chain when signed." }),
    headHash: t.exposeString("headHash"),
    signedAt: t.expose("signedAt", { type: "DateTime" }),
    signedText: t.exposeString("signedText", {
      description:
        "The exact text signed: RFC 8785 JSON of {version, org_id, seq, head_hash, signed_at}.",
    }),
    publicKey: t.exposeString("publicKey", { description: "base64 SPKI DER of the Ed25519 key." }),
    signature: t.exposeString("signature", {
      description: "base64 Ed25519 signature of signedText.",
    }),
  }),
});

async function signNow(context: GraphQLContext, orgId: string): Promise<SignedCheckpoint> {
  const resolution = await context.services.auditSigner();
  if (!resolution.ok) throw adminError("FORBIDDEN", resolution.reason);
  const checkpoint = await signAuditCheckpoint(
    context.services.sql.db,
    resolution.signer,
    orgId,
    new Date(context.services.clock()),
  );
  return {
    seq: checkpoint.seq,
    headHash: checkpoint.headHash,
    signedAt: new Date(checkpoint.signedAt),
    signedText: checkpointText(checkpoint),
    publicKey: checkpoint.publicKey,
    signature: checkpoint.signature,
  };
}

/** A stored row as the verifier reads it: what was signed, the key, the signature. */
function signedFormOf(row: StoredCheckpoint): SignedCheckpoint {
  const checkpoint = asCheckpoint(row);
  return {
    seq: checkpoint.seq,
    headHash: checkpoint.headHash,
    signedAt: row.signedAt,
    signedText: checkpoint.signedText,
    publicKey: checkpoint.publicKey,
    signature: checkpoint.signature,
  };
}

/** Every stored checkpoint of the org (the export carries them all, as the whole chain). */
async function storedCheckpointsOf(
  context: GraphQLContext,
  orgId: string,
): Promise<SignedCheckpoint[]> {
  const rows = await listStoredCheckpoints(context.services.sql.db, orgId);
  return rows.map(signedFormOf);
}

builder.objectField(Org, "auditCheckpoints", (t) =>
  t.connection({
    type: AuditCheckpoint,
    authScopes: (org) => ({ orgReader: org.id }),
    description:
      "Checkpoints the audit-checkpoints cron job signed and stored, newest first: keep a copy " +
      "and pass it to scripts/verify-audit-log.mjs --checkpoints.",
    // One keyset page per request: an hourly job stores thousands of rows a year per org.
    resolve: async (org, args, context) => {
      const connection = await tableConnection<StoredCheckpoint>(
        context,
        args,
        auditCheckpoints,
        eq(auditCheckpoints.orgId, org.id),
        byIntegerDescending(auditCheckpoints.seq, (row) => row.seq),
      );
      return {
        ...connection,
        edges: connection.edges.map((edge) => edge && { ...edge, node: signedFormOf(edge.node) }),
      };
    },
  }),
);

const verifierForm = (checkpoint: SignedCheckpoint) => ({
  signedText: checkpoint.signedText,
  publicKey: checkpoint.publicKey,
  signature: checkpoint.signature,
});

builder.queryFields((t) => ({
  auditCheckpoint: t.field({
    type: AuditCheckpoint,
    authScopes: (_root, args) => ({ orgReader: args.orgId.id }),
    args: { orgId: t.arg.globalID({ required: true, for: Org }) },
    resolve: (_root, args, context) => signNow(context, args.orgId.id),
  }),
  auditLogExport: t.field({
    type: "JSONObject",
    authScopes: (_root, args) => ({ orgReader: args.orgId.id }),
    description:
      "The org's audit chain, a checkpoint signed after it and the stored checkpoints: the input of scripts/verify-audit-log.mjs.",
    args: { orgId: t.arg.globalID({ required: true, for: Org }) },
    resolve: async (_root, args, context) => {
      // Stored checkpoints first: every one of them is then within the events read after.
      const stored = await storedCheckpointsOf(context, args.orgId.id);
      const events = await exportAuditLog(context.services.sql.db, args.orgId.id);
      const checkpoint = await signNow(context, args.orgId.id);
      return {
        events,
        checkpoint: verifierForm(checkpoint),
        checkpoints: stored.map(verifierForm),
      };
    },
  }),
}));
