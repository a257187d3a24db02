/**
 * Postgres is the truth for spend: when Redis has no state for a budget (flushed, restarted, a
 * new embedded instance, or idle past its window), the window is rebuilt from usage records,
 * bucket by bucket, before the budget decides anything. Cold path only: a warm budget never
 * reads SQL.
 */
import { and, arrayContains, eq, gte, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { agents, usageRecords } from "../../db/schema/index.ts";
import type { BudgetRule, LimitScope } from "./plan.ts";
import { firstCountedBucket, WINDOW_SPECS } from "./windows.ts";

/**
 * The records a scope's budget counts, as the reserve charges them (plan.ts, scopesOf). Spend
 * under a delegation grant counts against every grant of its chain, the root agent who lent the
 * authority and that agent's team (DESIGN.md, "Delegation grants"), whatever team the calling
 * key is on. The root's team is read as the agents table says now, as the grant resolver reads
 * it for each call: spend of an agent since moved to another team seeds its new team.
 */
function scopeCondition(scope: LimitScope, scopeId: string): SQL | undefined {
  switch (scope) {
    case "ORG":
      return eq(usageRecords.orgId, scopeId);
    case "TEAM":
      return or(
        eq(usageRecords.teamId, scopeId),
        sql`${usageRecords.delegationChain}[1] in (select ${agents.id} from ${agents} where ${agents.teamId} = ${scopeId}::uuid)`,
      );
    case "KEY":
      return eq(usageRecords.keyId, scopeId);
    case "AGENT":
      return or(
        eq(usageRecords.agentId, scopeId),
        sql`${usageRecords.delegationChain}[1] = ${scopeId}::uuid`,
      );
    case "GRANT":
      return arrayContains(usageRecords.grantChain, [scopeId]);
  }
}

export interface SpendBucket {
  start: number;
  /** Integer nano-USD as decimal text: sums can pass 2^53 on the way. */
  nanoUsd: string;
}

export async function spendInWindow(
  db: Database,
  rule: BudgetRule,
  now: number,
): Promise<SpendBucket[]> {
  const spec = WINDOW_SPECS[rule.window];
  const conditions: SQL[] = [eq(usageRecords.orgId, rule.orgId)];
  const scoped = scopeCondition(rule.scope, rule.scopeId);
  if (scoped) conditions.push(scoped);
  if (spec.windowMs > 0) {
    const from = new Date(firstCountedBucket(spec, now));
    conditions.push(gte(usageRecords.createdAt, from));
  }
  // bucketMs comes from a fixed table, never from a client, so it is inlined as a number.
  const start =
    spec.windowMs > 0
      ? sql<string>`(floor(extract(epoch from ${usageRecords.createdAt}) * 1000 / ${sql.raw(String(spec.bucketMs))}) * ${sql.raw(String(spec.bucketMs))})::bigint::text`
      : sql<string>`'0'`;
  const rows = await db
    .select({ start, nanoUsd: sql<string>`sum(${usageRecords.costNanoUsd})::text` })
    .from(usageRecords)
    .where(and(...conditions))
    .groupBy(sql`1`);
  return rows
    .filter((row) => row.nanoUsd !== null && row.nanoUsd !== "0")
    .map((row) => ({ start: Number(row.start), nanoUsd: String(row.nanoUsd) }));
}
