/**
 * A page of keys with their teams and budgets costs the same number of SQL queries whether it
 * holds 10 keys or 100 (DataLoader batching, schema/loaders.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgets, virtualKeys } from "../../db/schema/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { databaseObserved } from "../support/outage.ts";
import { createOrg, createTeam, rawId } from "./admin-helpers.ts";

let gateway: TestGateway;
let queries = 0;
beforeAll(async () => {
  gateway = await startTestGateway({
    observeSql: (db) => databaseObserved(db, () => queries++),
  });
});
afterAll(() => gateway?.close());

/** An org with `count` keys spread over two teams, each key with a budget. */
async function orgWithKeys(count: number): Promise<string> {
  const orgId = await createOrg(gateway, `batched-${count}`);
  const teams = [await createTeam(gateway, orgId, "a"), await createTeam(gateway, orgId, "b")];
  // Rows written directly: the admin API's own writes are not what is measured here.
  const keys = await gateway.services.sql.db
    .insert(virtualKeys)
    .values(
      Array.from({ length: count }, (_, index) => ({
        orgId: rawId(orgId),
        teamId: rawId(teams[index % 2] ?? ""),
        name: `key-${index}`,
        prefix: `sy-${index}`,
      })),
    )
    .returning({ id: virtualKeys.id });
  await gateway.services.sql.db.insert(budgets).values(
    keys.map((key) => ({
      orgId: rawId(orgId),
      scope: "KEY" as const,
      scopeId: key.id,
      limitNanoUsd: 1_000_000_000,
      window: "1d" as const,
      alertThresholds: [1],
    })),
  );
  return orgId;
}

const PAGE = `query ($id: ID!) {
  org(id: $id) {
    virtualKeys(first: 100) { edges { node { id name team { id name } budgets { id window } } } }
  }
}`;

async function queriesForPage(orgId: string): Promise<{ count: number; keys: number }> {
  queries = 0;
  const data = await gateway.admin<{
    org: {
      virtualKeys: { edges: Array<{ node: { team: { name: string }; budgets: unknown[] } }> };
    };
  }>(PAGE, { id: orgId });
  const edges = data.org.virtualKeys.edges;
  expect(edges.every((edge) => edge.node.team.name && edge.node.budgets.length === 1)).toBe(true);
  return { count: queries, keys: edges.length };
}

describe("a page of keys with their teams and budgets", () => {
  it("costs the same few queries for 10 keys as for 100", async () => {
    const small = await queriesForPage(await orgWithKeys(10));
    const large = await queriesForPage(await orgWithKeys(100));
    expect(small.keys).toBe(10);
    expect(large.keys).toBe(100);
    expect(large.count).toBe(small.count);
    // org, the key page, teams, budgets.
    expect(large.count).toBeLessThanOrEqual(4);
  });
});
