/**
 * Delegation grants as agents meet them at the gateway: agent B calls with its own key plus a
 * grant from A; C with a grant re-delegated by B. Two instances of one deployment share the
 * database and Redis (REDIS_URL: a real Redis; otherwise the embedded one).
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, usageRecords } from "../../db/schema/index.ts";
import { verifyAuditChain } from "../../functions/audit/verify-audit-chain.ts";
import { rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  callAs,
  createAgentWithKey,
  createGrant,
  createOrg,
  echo,
  errorCodeOf,
  revokeGrant,
  type TestAgent,
} from "./a2a.ts";

let first: TestGateway;
let second: TestGateway;
beforeAll(async () => {
  first = await startTestGateway();
  second = await startTestGateway({ sameDeploymentAs: first });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const outside = { ...echo(), model: "openai/gpt-4o-mini" };

/** An org with agents A, B and C, each with its own key; A → B may be re-delegated once. */
async function threeAgents(grant: { maxSpendUsd?: string; rpm?: number } = {}) {
  const orgId = await createOrg(first);
  const a = await createAgentWithKey(first, orgId, "A", { models: ["mock/echo", "openai/*"] });
  const b = await createAgentWithKey(first, orgId, "B");
  const c = await createAgentWithKey(first, orgId, "C");
  const ab = await createGrant(first, {
    fromAgentId: a.id,
    toAgentId: b.id,
    models: ["mock/echo"],
    maxSpendUsd: grant.maxSpendUsd ?? "1",
    maxDepth: 1,
    ...(grant.rpm ? { rpm: grant.rpm } : {}),
  });
  return { orgId, a, b, c, ab };
}

async function redelegate(from: TestAgent, to: TestAgent, parent: { id: string }) {
  return createGrant(first, {
    fromAgentId: from.id,
    toAgentId: to.id,
    parentGrantId: parent.id,
    models: ["mock/echo"],
    maxSpendUsd: "0.5",
    expiresAt: new Date(Date.now() + 1_800_000).toISOString(),
  });
}

describe("a call under a delegation grant", () => {
  it("works for the grantee's own key on a model the grant allows", async () => {
    const { b, ab } = await threeAgents();
    const response = await callAs(first, b.key, ab.token);
    expect(response.status).toBe(200);
  });

  it("is refused with 403 on a model outside the grant, though the grantee's key allows it", async () => {
    const { b, ab } = await threeAgents();
    const response = await callAs(first, b.key, ab.token, outside);
    expect(response.status).toBe(403);
    expect(await errorCodeOf(response)).toBe("model_not_allowed");
  });

  it("is refused with the grantor's key, another agent's key, or no key at all", async () => {
    const { a, c, ab } = await threeAgents();
    const withA = await callAs(first, a.key, ab.token);
    expect([withA.status, await errorCodeOf(withA)]).toEqual([403, "grant_not_held"]);
    const withC = await callAs(first, c.key, ab.token);
    expect([withC.status, await errorCodeOf(withC)]).toEqual([403, "grant_not_held"]);
    const noKey = await first.app.fetch(
      new Request("http://switchyard.test/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-switchyard-grant": ab.token },
        body: JSON.stringify(echo()),
      }),
    );
    expect([noKey.status, await errorCodeOf(noKey)]).toEqual([401, "missing_api_key"]);
  });

  it("is refused with 403 for a token that names no grant", async () => {
    const { b } = await threeAgents();
    const response = await callAs(first, b.key, "syg-notatokenatall");
    expect([response.status, await errorCodeOf(response)]).toEqual([403, "invalid_grant"]);
  });

  it("works for C under a grant B re-delegated, within B's narrower scope", async () => {
    const { b, c, ab } = await threeAgents();
    const bc = await redelegate(b, c, ab);
    expect((await callAs(first, c.key, bc.token)).status).toBe(200);
    const wide = await callAs(first, c.key, bc.token, outside);
    expect([wide.status, await errorCodeOf(wide)]).toEqual([403, "model_not_allowed"]);
  });

  it("stops C at once on another instance when A → B is revoked", async () => {
    const { b, c, ab } = await threeAgents();
    const bc = await redelegate(b, c, ab);
    // The second instance has the chain cached from a successful call.
    expect((await callAs(second, c.key, bc.token)).status).toBe(200);

    expect(await revokeGrant(first, ab.id)).toBe(2);

    const after = await callAs(second, c.key, bc.token);
    expect([after.status, await errorCodeOf(after)]).toEqual([403, "grant_revoked"]);
    const byB = await callAs(second, b.key, ab.token);
    expect([byB.status, await errorCodeOf(byB)]).toEqual([403, "grant_revoked"]);
  });

  it("answers 402 once the grant's cap is spent, while A still has budget", async () => {
    const { a, b, ab } = await threeAgents({ maxSpendUsd: "0.00002" });
    const { setBudget } = await first.admin<{ setBudget: { budget: { id: string } } }>(
      `mutation ($id: ID!) { setBudget(input: { scope: AGENT, scopeId: $id, limitUsd: "5", window: "1d" }) { budget { id } } }`,
      { id: a.id },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(402); i++) {
      const response = await callAs(first, b.key, ab.token);
      statuses.push(response.status);
      if (response.status === 402) expect(await errorCodeOf(response)).toBe("budget_exceeded");
      await first.services.background.drain();
    }
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(402);
    const refused = await first.services.sql.db
      .select({ refusedBy: usageRecords.refusedBy })
      .from(usageRecords)
      .where(and(eq(usageRecords.grantId, rawId(ab.id)), eq(usageRecords.status, 402)));
    expect(refused.map((row) => row.refusedBy)).toEqual([`budget:${rawId(ab.id)}`]);
    // What B spent under the grant was carried up to A's own budget, cent for cent.
    const spentUnderGrant = await first.services.sql.db
      .select({ cost: usageRecords.costNanoUsd })
      .from(usageRecords)
      .where(eq(usageRecords.grantId, rawId(ab.id)));
    const total = spentUnderGrant.reduce((sum, row) => sum + row.cost, 0);
    expect(total).toBeGreaterThan(0);
    const namespace = first.services.config.redisNamespace;
    const spentByA = await first.services.redis.redis.hget<number>(
      `${namespace}bud:${rawId(setBudget.budget.id)}`,
      "spent",
    );
    expect(Number(spentByA)).toBe(total);
    // A itself is far from its own budget and still calls.
    expect((await callAs(first, a.key, null)).status).toBe(200);
  }, 60_000);

  it("cannot overspend the grant's cap with concurrent calls on two instances", async () => {
    const { b, ab } = await threeAgents({ maxSpendUsd: "0.00004" });
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => callAs(i % 2 ? second : first, b.key, ab.token)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(402);
    expect(statuses.every((status) => status === 200 || status === 402)).toBe(true);
    await Promise.all([first.services.background.drain(), second.services.background.drain()]);
    const rows = await first.services.sql.db
      .select({ cost: usageRecords.costNanoUsd })
      .from(usageRecords)
      .where(and(eq(usageRecords.grantId, rawId(ab.id)), eq(usageRecords.status, 200)));
    const spent = rows.reduce((sum, row) => sum + row.cost, 0);
    expect(rows).toHaveLength(statuses.filter((status) => status === 200).length);
    expect(spent).toBeLessThanOrEqual(40_000);
    const redisSpent = await first.services.redis.redis.hget<number>(
      `${first.services.config.redisNamespace}bud:${rawId(ab.id)}`,
      "spent",
    );
    expect(Number(redisSpent)).toBe(spent);
  }, 120_000);

  it("answers 429 past the grant's own RPM", async () => {
    const { b, ab } = await threeAgents({ rpm: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await callAs(first, b.key, ab.token)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe("records of calls under a grant", () => {
  it("carry the whole chain A → B → C in usage and audit, and the audit chain stays valid", async () => {
    const { orgId, a, b, c, ab } = await threeAgents();
    const bc = await redelegate(b, c, ab);
    expect((await callAs(first, c.key, bc.token)).status).toBe(200);
    expect((await callAs(first, c.key, bc.token, outside)).status).toBe(403);
    await revokeGrant(first, ab.id);
    await first.services.background.drain();

    const agentChain = [a.id, b.id, c.id].map(rawId);
    const grantChain = [ab.id, bc.id].map(rawId);
    const [usage] = await first.services.sql.db
      .select()
      .from(usageRecords)
      .where(and(eq(usageRecords.grantId, rawId(bc.id)), eq(usageRecords.status, 200)));
    expect(usage?.delegationChain).toEqual(agentChain);
    expect(usage?.grantChain).toEqual(grantChain);
    expect(usage?.agentId).toBe(rawId(c.id));

    const events = await first.services.sql.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.orgId, rawId(orgId)))
      // Chain order: without it a server may return rows in any order (the Neon leg did).
      .orderBy(auditEvents.seq);
    const about = (action: string) => events.filter((event) => event.action === action);
    expect(about("delegation_grant.created").map((e) => e.grantChain)).toEqual([
      [rawId(ab.id)],
      grantChain,
    ]);
    const firstUses = about("delegation_grant.first_used");
    expect(firstUses.map((e) => e.data.grantId).sort()).toEqual([...grantChain].sort());
    expect(firstUses.every((e) => e.delegationChain?.join() === agentChain.join())).toBe(true);
    const [denied] = about("delegation_grant.denied");
    expect(denied?.data).toMatchObject({ code: "model_not_allowed", status: 403 });
    expect(denied?.grantChain).toEqual(grantChain);
    expect(about("delegation_grant.revoked").map((e) => e.targetId)).toEqual([rawId(ab.id)]);
    expect(about("delegation_grant.revoked_by_cascade")[0]?.grantChain).toEqual(grantChain);

    expect(await verifyAuditChain(events)).toMatchObject({ valid: true, checked: events.length });

    const usageByGrant = await first.admin<{
      usage: { edges: Array<{ node: { requests: number } }> };
    }>(
      `query ($org: ID!, $grant: ID!) {
        usage(filter: { orgId: $org, grantId: $grant, from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z" }) { edges { node { requests } } }
      }`,
      { org: orgId, grant: ab.id },
    );
    // The successful call and the refused one both ran under A → B (via B → C).
    expect(usageByGrant.usage.edges[0]?.node.requests).toBe(2);

    const auditByGrant = await first.admin<{
      auditEvents: { edges: Array<{ node: { action: string; grantChain: string[] } }> };
    }>(
      `query ($org: ID!, $grant: ID!) {
        auditEvents(filter: { orgId: $org, grantId: $grant }, first: 100) {
          edges { node { action grantChain } }
        }
      }`,
      { org: orgId, grant: bc.id },
    );
    const underBC = auditByGrant.auditEvents.edges.map((edge) => edge.node);
    // Only events whose chain reaches B → C, not A → B's creation or revocation. C's first call
    // was the first use of both grants, so both first-use events carry the whole chain.
    expect(underBC.map((event) => event.action).sort()).toEqual(
      [
        "delegation_grant.created",
        "delegation_grant.denied",
        "delegation_grant.first_used",
        "delegation_grant.first_used",
        "delegation_grant.revoked_by_cascade",
      ].sort(),
    );
    expect(underBC.every((event) => event.grantChain.includes(rawId(bc.id)))).toBe(true);
  }, 60_000);
});
