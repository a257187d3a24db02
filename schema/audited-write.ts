/**
 * The one way an admin mutation changes data: the write and its audit event commit together or
 * not at all (schema/access.ts, point 3). The event names the actor (master key or admin token),
 * its role, the action, the target, the request id and client IP, and the target's state before
 * and after with every secret-bearing column left out.
 *
 * Effects outside Postgres (cache invalidation, limit announcements) belong after the commit, in
 * the caller: they must not announce a change that then rolls back.
 */
import type { Transaction } from "../db/client.ts";
import { appendAuditEvent } from "../functions/audit/append-audit-event.ts";
import type { GraphQLContext } from "./context.ts";

export interface Written<T> {
  result: T;
  /** The raw id of the row the change is about. */
  targetId: string;
  before?: object | null;
  after?: object | null;
}

export interface AuditedChange<T> {
  /** The org whose chain records the change; null for a global (master-only) object. */
  orgId: string | null;
  /** `<noun>.<verb in the past>`, e.g. "virtual_key.revoked". */
  action: string;
  targetType: string;
  write: (tx: Transaction) => Promise<Written<T>>;
}

export async function auditedWrite<T>(
  context: GraphQLContext,
  change: AuditedChange<T>,
): Promise<T> {
  const { viewer } = context;
  return context.services.sql.db.transaction(async (tx) => {
    const written = await change.write(tx);
    await appendAuditEvent(tx, {
      orgId: change.orgId,
      actorType: viewer?.kind === "admin" ? "admin_token" : "master",
      actorId: viewer?.kind === "admin" ? viewer.tokenId : null,
      action: change.action,
      targetType: change.targetType,
      targetId: written.targetId,
      requestId: context.requestId,
      data: {
        role: viewer?.kind === "admin" ? viewer.role : "MASTER",
        ip: context.clientIp,
        before: written.before ? withoutSecrets(written.before) : null,
        after: written.after ? withoutSecrets(written.after) : null,
      },
    });
    return written.result;
  });
}

/** Column names that hold a secret or something derived from one; never copied into the trail. */
const SECRET_COLUMN = /secret|ciphertext|hash|password|apikey|token$/i;

/** A row as the audit trail may hold it: no secret columns, JSON-safe values. */
export function withoutSecrets(row: object): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (SECRET_COLUMN.test(name)) continue;
    kept[name] = typeof value === "bigint" ? value.toString() : value;
  }
  return kept;
}
