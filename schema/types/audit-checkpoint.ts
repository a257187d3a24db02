/**
 * Signed audit checkpoints (functions/audit/checkpoint.ts): `auditCheckpoint(orgId)` signs the
 * org's chain head now; `auditLogExport(orgId)` returns the chain and a fresh checkpoint in the
 * file format scripts/verify-audit-log.mjs reads, so a copy can be checked offline.
 */
import {
  checkpointText,
  exportAuditLog,
  signAuditCheckpoint,
} from "../../functions/audit/checkpoint.ts";
import { builder } from "../builder.ts";
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
      "The org's audit chain and a checkpoint signed after it: the input of scripts/verify-audit-log.mjs.",
    args: { orgId: t.arg.globalID({ required: true, for: Org }) },
    resolve: async (_root, args, context) => {
      const events = await exportAuditLog(context.services.sql.db, args.orgId.id);
      const checkpoint = await signNow(context, args.orgId.id);
      return {
        events,
        checkpoint: {
          signedText: checkpoint.signedText,
          publicKey: checkpoint.publicKey,
          signature: checkpoint.signature,
        },
      };
    },
  }),
}));
