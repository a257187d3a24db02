/**
 * Rows and paging for the usage and guardrailEvents connection tests (activity-paging.test.ts):
 * usage records and guardrail events written straight to the tables (at chosen instants, down to
 * the microsecond), the two queries, and a loop that follows the cursors to the end.
 */
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import { expect } from "vitest";
import { guardrailEvents } from "../../db/schema/index.ts";
import type { TestGateway } from "../support/gateway.ts";
import { type Connection, nodesOf, rawId } from "./admin-helpers.ts";

export function* cross<A, B, C>(as: A[], bs: B[], cs: C[]): Generator<[A, B, C]> {
  for (const a of as) for (const b of bs) for (const c of cs) yield [a, b, c];
}

let sequence = 0;
export function usageRow(input: { org: string; team: string | null; model: string; at: number }) {
  sequence++;
  return {
    requestId: `req_paging_${sequence}_${crypto.randomUUID()}`,
    orgId: rawId(input.org),
    teamId: input.team ? rawId(input.team) : null,
    endpoint: "/v1/chat/completions",
    provider: "mock",
    model: input.model,
    status: 200,
    stream: false,
    cacheHit: false,
    attempts: 1,
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: 0,
    usageEstimated: false,
    costNanoUsd: 1_000,
    latencyMs: 1,
    createdAt: new Date(input.at),
  };
}

export function eventRow(org: string, at: string, keyId: string | null = null) {
  return {
    orgId: rawId(org),
    requestId: `req_event_${crypto.randomUUID()}`,
    keyId,
    direction: "INPUT",
    detector: "EMAIL",
    action: "FLAG",
    matches: 1,
    signals: ["email"],
    createdAt: sql`${at}::timestamptz`,
  };
}

export const RANGE = { from: "2030-01-01T00:00:00Z", to: "2031-01-01T00:00:00Z" };

export type UsageNode = {
  bucketStart: string | null;
  model: string | null;
  teamId: string | null;
  requests: number;
};
export const USAGE = `query ($filter: UsageFilter!, $groupBy: [UsageGroupBy!], $bucket: UsageBucket,
  $first: Int, $after: String) {
  usage(filter: $filter, groupBy: $groupBy, bucket: $bucket, first: $first, after: $after) {
    edges { cursor node { bucketStart model teamId requests } } pageInfo { hasNextPage endCursor }
  }
}`;

export const EVENTS = `query ($filter: GuardrailEventFilter!, $first: Int, $after: String) {
  guardrailEvents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  }
}`;

/** Every page after `after`, `first` at a time; `between` runs after the first page. */
export async function pageThrough<Node>(
  gateway: TestGateway,
  field: "usage" | "guardrailEvents",
  query: string,
  variables: Record<string, unknown>,
  options: { first: number; after?: string | null; token?: string; between?: () => Promise<void> },
): Promise<{ nodes: Node[]; pages: number }> {
  const nodes: Node[] = [];
  let after = options.after ?? null;
  let pages = 0;
  for (;;) {
    const result = await gateway.graphql<Record<string, Connection<Node>>>(
      query,
      { ...variables, first: options.first, after },
      options.token,
    );
    expect(result.errors).toBeUndefined();
    const page = result.data?.[field];
    if (!page) throw new Error(`no ${field} page`);
    expect(page.edges.length).toBeLessThanOrEqual(options.first);
    nodes.push(...nodesOf(page));
    pages++;
    if (pages === 1) await options.between?.();
    if (!page.pageInfo?.hasNextPage) return { nodes, pages };
    after = page.pageInfo.endCursor;
    if (pages > 100) throw new Error("paging does not end");
  }
}

export async function eventIds(gateway: TestGateway, org: string, where?: SQL): Promise<string[]> {
  const rows = await gateway.services.sql.db
    .select({ id: guardrailEvents.id })
    .from(guardrailEvents)
    .where(and(eq(guardrailEvents.orgId, rawId(org)), where))
    .orderBy(desc(guardrailEvents.createdAt), desc(guardrailEvents.id));
  return rows.map((row) => row.id);
}

export const groupKey = (node: UsageNode) =>
  `${node.bucketStart ?? "-"}|${node.teamId ? rawId(node.teamId) : "null"}|${node.model}`;
