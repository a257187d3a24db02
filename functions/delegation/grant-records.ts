/**
 * Reading delegation grants from Postgres: a grant's chain (root → leaf) and what a grant has
 * spent. Cold path: the gateway caches what it resolved (grant-resolver.ts).
 */
import { eq, inArray } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { delegationGrants } from "../../db/schema/index.ts";
import { spendInWindow } from "../limits/window-from-usage.ts";

export type GrantRow = typeof delegationGrants.$inferSelect;

/** The grant and its ancestors, root first; empty when the grant does not exist. */
export async function loadGrantChain(db: Database, grantId: string): Promise<GrantRow[]> {
  const chain: GrantRow[] = [];
  let next: string | null = grantId;
  // A chain is at most MAX_CHAIN_DEPTH + 1 grants (narrowing.ts); a loop guard all the same.
  while (next !== null && chain.length <= 16) {
    const [row]: GrantRow[] = await db
      .select()
      .from(delegationGrants)
      .where(eq(delegationGrants.id, next));
    if (!row) break;
    chain.unshift(row);
    next = row.parentGrantId;
  }
  return chain;
}

/** Every grant below these (children, their children, ...), not including them. */
export async function loadDescendants(db: Database, grantIds: string[]): Promise<GrantRow[]> {
  const found: GrantRow[] = [];
  let level = grantIds;
  while (level.length > 0) {
    const children = await db
      .select()
      .from(delegationGrants)
      .where(inArray(delegationGrants.parentGrantId, level));
    found.push(...children);
    level = children.map((child) => child.id);
  }
  return found;
}

/** nano-USD spent under the grant and every grant below it (recorded usage; in flight aside). */
export async function grantSpentNanoUsd(
  db: Database,
  grant: GrantRow,
  now: number,
): Promise<number> {
  const buckets = await spendInWindow(db, grantBudgetRule(grant), now);
  return buckets.reduce((sum, bucket) => sum + Number(bucket.nanoUsd), 0);
}

/**
 * A grant's cap as the limits see it: a TOTAL budget on scope GRANT, its Redis state keyed by the
 * grant id. No alert thresholds: the grantor watches its own budgets, which the spend also hits.
 */
export function grantBudgetRule(grant: Pick<GrantRow, "id" | "orgId" | "maxSpendNanoUsd">) {
  return {
    id: grant.id,
    orgId: grant.orgId,
    scope: "GRANT" as const,
    scopeId: grant.id,
    limitNanoUsd: grant.maxSpendNanoUsd,
    window: "TOTAL" as const,
    alertThresholds: [] as number[],
  };
}
