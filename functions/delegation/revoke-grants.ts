/**
 * Revocation in Postgres: a grant and every grant below it, each an audit event in the same
 * transaction. Making it effective on every instance at once is the caller's next step: publish
 * the returned grants to Redis (grant-resolver.ts, publishRevocations), which the limits' reserve
 * script checks on every call.
 */
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { delegationGrants } from "../../db/schema/index.ts";
import { appendAuditEvent } from "../audit/append-audit-event.ts";
import { type GrantRow, loadDescendants } from "./grant-records.ts";

export interface RevokedGrant {
  id: string;
  expiresAt: Date;
}

/**
 * Who revoked, as every admin audit event names it (schema/audited-write.ts): the actor, the
 * request id, and the role and client IP in `data`. The cascade copies it into each event.
 */
export interface AuditRequest {
  actorType: string;
  actorId: string | null;
  requestId: string | null;
  data: { role: string; ip: string | null };
}

/** The grant ids root → `grant`, for audit rows about it. */
async function grantChainIds(db: Database, grant: GrantRow): Promise<string[]> {
  const ids = [grant.id];
  let parentId = grant.parentGrantId;
  while (parentId !== null && ids.length <= 16) {
    ids.unshift(parentId);
    const [parent] = await db
      .select({ parentGrantId: delegationGrants.parentGrantId })
      .from(delegationGrants)
      .where(eq(delegationGrants.id, parentId));
    parentId = parent?.parentGrantId ?? null;
  }
  return ids;
}

/**
 * Revokes `grant` and everything below it. Idempotent: grants already revoked keep their time
 * but are returned too, so a retry re-publishes them.
 */
export async function revokeGrantCascade(
  db: Database,
  grant: GrantRow,
  now: Date,
  request: AuditRequest,
  reason: string | null = null,
): Promise<RevokedGrant[]> {
  const below = await loadDescendants(db, [grant.id]);
  const all = [grant, ...below];
  const fresh = all.filter((row) => row.revokedAt === null);
  if (fresh.length > 0) {
    await db
      .update(delegationGrants)
      .set({ revokedAt: now })
      .where(
        and(
          inArray(
            delegationGrants.id,
            fresh.map((row) => row.id),
          ),
          isNull(delegationGrants.revokedAt),
        ),
      );
  }
  const rootChain = await grantChainIds(db, grant);
  for (const row of fresh) {
    const cascaded = row.id !== grant.id;
    await appendAuditEvent(db, {
      orgId: row.orgId,
      actorType: request.actorType,
      actorId: request.actorId,
      requestId: request.requestId,
      action: cascaded ? "delegation_grant.revoked_by_cascade" : "delegation_grant.revoked",
      targetType: "delegation_grant",
      targetId: row.id,
      data: {
        ...request.data,
        ...(cascaded ? { revokedWith: grant.id } : reason ? { reason } : {}),
      },
      delegationChain: row.chain,
      grantChain: cascaded ? await grantChainIds(db, row) : rootChain,
      createdAt: now,
    });
  }
  return all.map((row) => ({ id: row.id, expiresAt: row.expiresAt }));
}

/** Every grant from or to an agent, and everything below them (deleteAgent). */
export async function revokeGrantsOfAgent(
  db: Database,
  agent: { id: string },
  now: Date,
  request: AuditRequest,
): Promise<{ touched: boolean; grants: RevokedGrant[] }> {
  const rows = await db
    .select()
    .from(delegationGrants)
    .where(
      or(eq(delegationGrants.fromAgentId, agent.id), eq(delegationGrants.toAgentId, agent.id)),
    );
  const revoked = new Map<string, RevokedGrant>();
  for (const row of rows) {
    if (revoked.has(row.id)) continue;
    for (const grant of await revokeGrantCascade(db, row, now, request, "agent deleted")) {
      revoked.set(grant.id, grant);
    }
  }
  return { touched: rows.length > 0, grants: [...revoked.values()] };
}
