import { bigint, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./columns.ts";

/**
 * Signed heads of the audit chains, stored by the audit-checkpoints cron job
 * (functions/audit/stored-checkpoints.ts): each row is what `auditCheckpoint` would have answered
 * at `signed_at`. A later rewrite of the chain (even with every hash recomputed) no longer
 * reaches these heads, and without the private key no new checkpoint can vouch for it.
 * One row per (chain, seq): two job runs that sign the same head store it once.
 */
export const auditCheckpoints = pgTable(
  "audit_checkpoints",
  {
    id: id(),
    /** null = the system chain. */
    orgId: uuid("org_id"),
    seq: bigint("seq", { mode: "number" }).notNull(),
    headHash: text("head_hash").notNull(),
    signedAt: instant("signed_at").notNull(),
    /** base64 SPKI DER of the Ed25519 key that signed. */
    publicKey: text("public_key").notNull(),
    /** base64 Ed25519 signature of the checkpoint text (functions/audit/checkpoint.ts). */
    signature: text("signature").notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique("audit_checkpoints_org_id_seq_unique").on(t.orgId, t.seq).nullsNotDistinct()],
);
