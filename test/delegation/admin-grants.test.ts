/**
 * Agents and delegation grants through the admin API: create, list, update, delete; grant
 * refusals as GraphQL errors; cascade revocation; the chain root → leaf; tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codesOf, createAdminToken, messagesOf } from "../schema/admin-helpers.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  CREATE_GRANT,
  callAs,
  createAgentWithKey,
  createGrant,
  createOrg,
  inAnHour,
  revokeGrant,
  tryGrant,
} from "./a2a.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

describe("agents", () => {
  it("are created, listed on their org, updated and deleted", async () => {
    const orgId = await createOrg(gateway);
    const { createAgent } = await gateway.admin<{ createAgent: { agent: { id: string } } }>(
      `mutation ($org: ID!) { createAgent(input: { orgId: $org, name: "planner", metadata: { role: "plan" } }) { agent { id } } }`,
      { org: orgId },
    );
    const id = createAgent.agent.id;
    await gateway.admin(
      `mutation ($id: ID!) { updateAgent(input: { id: $id, name: "planner-2" }) { agent { id } } }`,
      { id },
    );
    const listed = await gateway.admin<{
      org: { agents: { edges: Array<{ node: { id: string; name: string; metadata: unknown } }> } };
    }>(
      `query ($org: ID!) { org(id: $org) { agents(first: 10) { edges { node { id name metadata } } } } }`,
      {
        org: orgId,
      },
    );
    expect(listed.org.agents.edges.map((edge) => edge.node)).toEqual([
      { id, name: "planner-2", metadata: { role: "plan" } },
    ]);
    const { deleteAgent } = await gateway.admin<{ deleteAgent: { disabled: boolean } }>(
      `mutation ($id: ID!) { deleteAgent(input: { id: $id }) { deletedId disabled } }`,
      { id },
    );
    expect(deleteAgent.disabled).toBe(false);
    const node = await gateway.admin<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id } }`,
      {
        id,
      },
    );
    expect(node.node).toBeNull();
  });

  it("own keys, and usage can be grouped by agent", async () => {
    const orgId = await createOrg(gateway);
    const agent = await createAgentWithKey(gateway, orgId, "worker");
    expect((await callAs(gateway, agent.key, null)).status).toBe(200);
    await gateway.services.background.drain();
    const data = await gateway.admin<{
      usage: { edges: Array<{ node: { agentId: string; requests: number } }> };
    }>(
      `query ($org: ID!) {
        usage(filter: { orgId: $org, from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z" }, groupBy: [AGENT]) { edges { node { agentId requests } } }
      }`,
      { org: orgId },
    );
    expect(data.usage.edges.map((edge) => edge.node)).toEqual([{ agentId: agent.id, requests: 1 }]);
  });

  it("that is deleted while it holds keys and grants is disabled, and they are revoked", async () => {
    const orgId = await createOrg(gateway);
    const a = await createAgentWithKey(gateway, orgId, "A");
    const b = await createAgentWithKey(gateway, orgId, "B");
    const grant = await createGrant(gateway, {
      fromAgentId: a.id,
      toAgentId: b.id,
      maxSpendUsd: "1",
    });
    const { deleteAgent } = await gateway.admin<{ deleteAgent: { disabled: boolean } }>(
      `mutation ($id: ID!) { deleteAgent(input: { id: $id }) { disabled } }`,
      { id: a.id },
    );
    expect(deleteAgent.disabled).toBe(true);
    expect((await callAs(gateway, a.key, null)).status).toBe(401);
    expect((await callAs(gateway, b.key, grant.token)).status).toBe(403);
  });
});

describe("createDelegationGrant", () => {
  it("returns the grant and a token shown once, stored only as a keyed hash", async () => {
    const orgId = await createOrg(gateway);
    const a = await createAgentWithKey(gateway, orgId, "A", { models: ["mock/echo"] });
    const b = await createAgentWithKey(gateway, orgId, "B");
    const grant = await createGrant(gateway, {
      fromAgentId: a.id,
      toAgentId: b.id,
      maxSpendUsd: "2",
    });
    expect(grant.token).toMatch(/^syg-/);
    const data = await gateway.admin<{
      node: {
        models: string[];
        maxSpendUsd: string;
        remainingUsd: string;
        depth: number;
        maxDepth: number;
      };
    }>(
      `query ($id: ID!) { node(id: $id) { ... on DelegationGrant { models maxSpendUsd remainingUsd depth maxDepth } } }`,
      { id: grant.id },
    );
    // No list asked for: the grantor's list is written out.
    expect(data.node).toEqual({
      models: ["mock/echo"],
      maxSpendUsd: "2",
      remainingUsd: "2",
      depth: 1,
      maxDepth: 0,
    });
  });

  it.each([
    [
      "a model the grantor may not use",
      { models: ["openai/gpt-4o"] },
      "FORBIDDEN",
      "within what the grantor may use",
    ],
    ["more than the grantor's budget", { maxSpendUsd: "6" }, "FORBIDDEN", "exceeds what remains"],
    [
      "an expiry in the past",
      { expiresAt: "2020-01-01T00:00:00Z" },
      "BAD_USER_INPUT",
      "in the future",
    ],
    [
      "re-delegation of a depth-0 grant",
      { reDelegate: true },
      "FORBIDDEN",
      "may not be re-delegated",
    ],
  ] as const)("refuses %s", async (_name, change, code, message) => {
    const orgId = await createOrg(gateway);
    const a = await createAgentWithKey(gateway, orgId, "A", { models: ["mock/echo"] });
    const b = await createAgentWithKey(gateway, orgId, "B");
    const c = await createAgentWithKey(gateway, orgId, "C");
    await gateway.admin(
      `mutation ($id: ID!) { setBudget(input: { scope: AGENT, scopeId: $id, limitUsd: "5", window: "30d" }) { budget { id } } }`,
      { id: a.id },
    );
    let result: Awaited<ReturnType<typeof tryGrant>>;
    if ("reDelegate" in change) {
      const ab = await createGrant(gateway, {
        fromAgentId: a.id,
        toAgentId: b.id,
        maxSpendUsd: "1",
        maxDepth: 0,
      });
      result = await tryGrant(gateway, {
        fromAgentId: b.id,
        toAgentId: c.id,
        parentGrantId: ab.id,
        maxSpendUsd: "0.1",
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
    } else {
      result = await tryGrant(gateway, {
        fromAgentId: a.id,
        toAgentId: b.id,
        maxSpendUsd: "1",
        ...change,
      });
    }
    expect(codesOf(result)).toEqual([code]);
    expect(messagesOf(result)).toContain(message);
  });

  it("refuses an agent of another org, and another org's token sees no grant", async () => {
    const orgId = await createOrg(gateway, "one");
    const otherOrg = await createOrg(gateway, "two");
    const a = await createAgentWithKey(gateway, orgId, "A");
    const b = await createAgentWithKey(gateway, orgId, "B");
    const stranger = await createAgentWithKey(gateway, otherOrg, "X");
    const cross = await tryGrant(gateway, {
      fromAgentId: a.id,
      toAgentId: stranger.id,
      maxSpendUsd: "1",
    });
    expect(codesOf(cross)).toEqual(["FORBIDDEN"]);

    const grant = await createGrant(gateway, {
      fromAgentId: a.id,
      toAgentId: b.id,
      maxSpendUsd: "1",
    });
    const otherAdmin = await createAdminToken(gateway, otherOrg, "OWNER");
    const seen = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id } }`,
      { id: grant.id },
      otherAdmin,
    );
    expect(seen.data?.node ?? null).toBeNull();
    const revoke = await gateway.graphql(
      `mutation ($id: ID!) { revokeDelegationGrant(input: { id: $id }) { revokedCount } }`,
      { id: grant.id },
      otherAdmin,
    );
    expect(codesOf(revoke)).toEqual(["NOT_FOUND"]);
    const create = await gateway.graphql(
      CREATE_GRANT,
      { input: { fromAgentId: a.id, toAgentId: b.id, maxSpendUsd: "1", expiresAt: inAnHour() } },
      otherAdmin,
    );
    expect(codesOf(create)).toEqual(["NOT_FOUND"]);
  });
});

describe("delegationChain and revokeDelegationGrant", () => {
  it("lists root → leaf, and revoking the root revokes every grant below it", async () => {
    const orgId = await createOrg(gateway);
    const a = await createAgentWithKey(gateway, orgId, "A");
    const b = await createAgentWithKey(gateway, orgId, "B");
    const c = await createAgentWithKey(gateway, orgId, "C");
    const d = await createAgentWithKey(gateway, orgId, "D");
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const ab = await createGrant(gateway, {
      fromAgentId: a.id,
      toAgentId: b.id,
      maxSpendUsd: "1",
      maxDepth: 3,
    });
    const bc = await createGrant(gateway, {
      fromAgentId: b.id,
      toAgentId: c.id,
      parentGrantId: ab.id,
      maxSpendUsd: "0.5",
      expiresAt,
    });
    const cd = await createGrant(gateway, {
      fromAgentId: c.id,
      toAgentId: d.id,
      parentGrantId: bc.id,
      maxSpendUsd: "0.25",
      expiresAt,
    });
    const cycle = await tryGrant(gateway, {
      fromAgentId: d.id,
      toAgentId: a.id,
      parentGrantId: cd.id,
      maxSpendUsd: "0.1",
      expiresAt,
    });
    expect(codesOf(cycle)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(cycle)).toContain("no cycles");

    const chain = await gateway.admin<{ delegationChain: Array<{ id: string; depth: number }> }>(
      `query ($id: ID!) { delegationChain(grantId: $id) { id depth } }`,
      { id: cd.id },
    );
    expect(chain.delegationChain).toEqual([
      { id: ab.id, depth: 1 },
      { id: bc.id, depth: 2 },
      { id: cd.id, depth: 3 },
    ]);

    expect(await revokeGrant(gateway, ab.id)).toBe(3);
    const after = await gateway.admin<{ delegationChain: Array<{ revokedAt: string | null }> }>(
      `query ($id: ID!) { delegationChain(grantId: $id) { revokedAt } }`,
      { id: cd.id },
    );
    expect(after.delegationChain.every((grant) => grant.revokedAt !== null)).toBe(true);
    expect((await callAs(gateway, d.key, cd.token)).status).toBe(403);
  });
});
