/**
 * A root agent's team pays for what is spent under its grants (plan.ts, scopesOf), whatever team
 * the calling key is on. When Redis has no state for that team's budget (a budget set later,
 * Redis flushed or restarted), the window is rebuilt from usage records; that rebuild must count
 * the same calls the live counter counted, or a reseed hands the team its money back.
 * Runs over embedded stores, or real Postgres and Redis (DATABASE_URL, REDIS_URL).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { callAs, createGrant, createOrg, errorCodeOf } from "./a2a.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

async function createTeam(orgId: string, name: string): Promise<string> {
  const { createTeam } = await gateway.admin<{ createTeam: { team: { id: string } } }>(
    `mutation ($org: ID!, $name: String!) { createTeam(input: { orgId: $org, name: $name }) { team { id } } }`,
    { org: orgId, name },
  );
  return createTeam.team.id;
}

/** An agent on a team, with a key of its own on `keyTeamId` (the agent's team by default). */
async function agentOnTeam(orgId: string, name: string, teamId: string, keyTeamId = teamId) {
  const { createAgent } = await gateway.admin<{ createAgent: { agent: { id: string } } }>(
    `mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } } }`,
    { input: { orgId, teamId, name } },
  );
  const { createVirtualKey } = await gateway.admin<{ createVirtualKey: { secret: string } }>(
    `mutation ($input: CreateVirtualKeyInput!) { createVirtualKey(input: $input) { secret } }`,
    { input: { orgId, agentId: createAgent.agent.id, teamId: keyTeamId, name: `${name}'s key` } },
  );
  return { id: createAgent.agent.id, key: createVirtualKey.secret };
}

async function setTeamBudget(teamId: string, limitUsd: string) {
  const { setBudget } = await gateway.admin<{
    setBudget: { budget: { id: string; spentUsd: string } };
  }>(`mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id spentUsd } } }`, {
    input: { scope: "TEAM", scopeId: teamId, limitUsd, window: "1d" },
  });
  return setBudget.budget;
}

it("seeds a root agent's team budget with spend under its grants by keys of other teams", async () => {
  const orgId = await createOrg(gateway, "reseed");
  const [lenders, borrowers] = [await createTeam(orgId, "lenders"), await createTeam(orgId, "b")];
  const a = await agentOnTeam(orgId, "A", lenders);
  const b = await agentOnTeam(orgId, "B", borrowers);
  const grant = await createGrant(gateway, {
    fromAgentId: a.id,
    toAgentId: b.id,
    maxSpendUsd: "1",
  });

  for (let i = 0; i < 3; i++) {
    const response = await callAs(gateway, b.key, grant.token);
    expect(response.status).toBe(200);
    await response.text();
  }
  await gateway.services.background.drain();

  // Set after the calls: Redis has never seen this budget, so its window comes from Postgres.
  const probe = await setTeamBudget(lenders, "100");
  const spent = Number(probe.spentUsd);
  expect(spent).toBeGreaterThan(0);
  // The borrowers' team budget sees the same calls through the key's own team.
  expect(Number((await setTeamBudget(borrowers, "100")).spentUsd)).toBe(spent);

  // A limit just above what the three calls spent: one more call's hold does not fit.
  await setTeamBudget(lenders, (spent * 1.01).toFixed(9));
  const refused = await callAs(gateway, b.key, grant.token);
  expect(refused.status).toBe(402);
  expect(await errorCodeOf(refused)).toBe("budget_exceeded");
  // The lender's own calls, on its own key, meet the same team budget.
  const own = await callAs(gateway, a.key, null);
  expect(own.status).toBe(402);
});
