/**
 * Budgets through the admin API: setBudget / updateBudget / deleteBudget, the `budgets` fields,
 * exact money, tenant isolation, and the gateway obeying a change on every instance at once.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents, budgets, usageRecords } from "../../db/schema/index.ts";
import { formatNanoUsd, parseUsd } from "../../schema/types/usd.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  type Connection,
  codesOf,
  createAdminToken,
  createKey,
  createOrg,
  createTeam,
  hello,
  messagesOf,
  nodesOf,
  rawId,
} from "./admin-helpers.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const SET_BUDGET = `mutation ($input: SetBudgetInput!) {
  setBudget(input: $input) {
    budget { id scope scopeId limitUsd window alertThresholds spentUsd createdAt updatedAt }
  }
}`;

interface BudgetView {
  id: string;
  scope: string;
  scopeId: string;
  limitUsd: string;
  window: string;
  alertThresholds: number[];
  spentUsd: string;
  createdAt: string;
  updatedAt: string;
}

async function setBudget(input: Record<string, unknown>, token?: string) {
  return gateway.graphql<{ setBudget: { budget: BudgetView } }>(SET_BUDGET, { input }, token);
}

async function mustSetBudget(input: Record<string, unknown>): Promise<BudgetView> {
  const result = await setBudget(input);
  if (!result.data) throw new Error(`setBudget failed: ${messagesOf(result)}`);
  return result.data.setBudget.budget;
}

async function storedLimit(budgetId: string): Promise<number | undefined> {
  const [row] = await gateway.services.sql.db
    .select({ limit: budgets.limitNanoUsd })
    .from(budgets)
    .where(eq(budgets.id, rawId(budgetId)));
  return row?.limit;
}

describe("setBudget", () => {
  it("creates a budget on a key and answers with its id and every field", async () => {
    const orgId = await createOrg(gateway, "shapes");
    const { keyId } = await createKey(gateway, { orgId });
    const budget = await mustSetBudget({
      scope: "KEY",
      scopeId: keyId,
      limitUsd: "25.50",
      window: "30d",
    });
    expect(budget).toMatchObject({
      scope: "KEY",
      scopeId: keyId,
      limitUsd: "25.5",
      window: "30d",
      alertThresholds: [0.8, 1],
      spentUsd: "0",
    });
    expect(Date.parse(budget.createdAt)).not.toBeNaN();
    expect(Date.parse(budget.updatedAt)).not.toBeNaN();
    const again = await gateway.admin<{ node: { id: string; limitUsd: string } }>(
      `query ($id: ID!) { node(id: $id) { id ... on Budget { limitUsd } } }`,
      { id: budget.id },
    );
    expect(again.node).toEqual({ id: budget.id, limitUsd: "25.5" });
  });

  it('stores "0.1" as exactly 100000000 nano-USD, and the number 0.1 the same', async () => {
    const orgId = await createOrg(gateway, "dimes");
    const fromString = await mustSetBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: "0.1",
      window: "1d",
    });
    const fromNumber = await mustSetBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: 0.1,
      window: "7d",
    });
    expect(await storedLimit(fromString.id)).toBe(100_000_000);
    expect(await storedLimit(fromNumber.id)).toBe(100_000_000);
    expect(fromNumber.limitUsd).toBe("0.1");
  });

  it("keeps all nine decimal places of a string amount, and of a literal in the query", async () => {
    const orgId = await createOrg(gateway, "nanos");
    const budget = await mustSetBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: "1234567.123456789",
      window: "1d",
    });
    expect(await storedLimit(budget.id)).toBe(1_234_567_123_456_789);
    expect(budget.limitUsd).toBe("1234567.123456789");
    const literal = await gateway.admin<{
      setBudget: { budget: { id: string; limitUsd: string } };
    }>(
      `mutation ($orgId: ID!) {
        setBudget(input: { scope: ORG, scopeId: $orgId, limitUsd: 7654321.987654321, window: "TOTAL" }) {
          budget { id limitUsd }
        }
      }`,
      { orgId },
    );
    expect(await storedLimit(literal.setBudget.budget.id)).toBe(7_654_321_987_654_321);
    expect(literal.setBudget.budget.limitUsd).toBe("7654321.987654321");
  });

  it("converts decimal text to nano-USD exactly, also past what a double holds", () => {
    expect(parseUsd("12345678.123456789")).toEqual({ ok: true, nanoUsd: 12_345_678_123_456_789n });
    expect(parseUsd("0.1")).toEqual({ ok: true, nanoUsd: 100_000_000n });
    expect(parseUsd("1e-7")).toEqual({ ok: true, nanoUsd: 100n });
    expect(parseUsd("3")).toEqual({ ok: true, nanoUsd: 3_000_000_000n });
    expect(parseUsd("0.0000000001").ok).toBe(false);
    expect(formatNanoUsd(12_345_678_123_456_789n)).toBe("12345678.123456789");
  });

  it("refuses an amount a limit cannot hold exactly (past 2^53 nano-USD) naming limitUsd", async () => {
    const orgId = await createOrg(gateway, "whales");
    const result = await setBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: "12345678.123456789",
      window: "1d",
    });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("limitUsd");
    expect(messagesOf(result)).toContain("9007199.254740991");
  });

  it.each([
    ["more than 9 decimal places", "0.0000000001"],
    ["a negative amount", "-5"],
    ["text", "ten dollars"],
    ["an empty string", ""],
  ])("refuses %s with BAD_USER_INPUT naming limitUsd", async (_what, limitUsd) => {
    const orgId = await createOrg(gateway, "bad-amounts");
    const result = await setBudget({ scope: "ORG", scopeId: orgId, limitUsd, window: "1d" });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("limitUsd");
  });

  it("refuses a window other than 1h, 1d, 7d, 30d or TOTAL, naming window", async () => {
    const orgId = await createOrg(gateway, "windows");
    const result = await setBudget({ scope: "ORG", scopeId: orgId, limitUsd: "1", window: "1w" });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("window");
  });

  it("sorts and deduplicates alert thresholds", async () => {
    const orgId = await createOrg(gateway, "thresholds");
    const budget = await mustSetBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: "10",
      window: "1d",
      alertThresholds: [1, 0.5, 1.2, 0.5],
    });
    expect(budget.alertThresholds).toEqual([0.5, 1, 1.2]);
  });

  it.each([
    ["zero", [0, 1]],
    ["above 1.5", [0.5, 1.6]],
    ["more than five", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]],
  ])("refuses alert thresholds %s naming alertThresholds", async (_what, alertThresholds) => {
    const orgId = await createOrg(gateway, "bad-thresholds");
    const result = await setBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: "10",
      window: "1d",
      alertThresholds,
    });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("alertThresholds");
  });

  it("replaces the limit of the same scope and window instead of adding a budget", async () => {
    const orgId = await createOrg(gateway, "upsert");
    const teamId = await createTeam(gateway, orgId);
    const first = await mustSetBudget({
      scope: "TEAM",
      scopeId: teamId,
      limitUsd: "10",
      window: "1d",
      alertThresholds: [0.5],
    });
    const second = await mustSetBudget({
      scope: "TEAM",
      scopeId: teamId,
      limitUsd: "20",
      window: "1d",
    });
    expect(second.id).toBe(first.id);
    expect(second.limitUsd).toBe("20");
    expect(second.alertThresholds).toEqual([0.5]);
    const other = await mustSetBudget({
      scope: "TEAM",
      scopeId: teamId,
      limitUsd: 5,
      window: "1h",
    });
    expect(other.id).not.toBe(first.id);
    const rows = await gateway.services.sql.db
      .select()
      .from(budgets)
      .where(eq(budgets.scopeId, rawId(teamId)));
    expect(rows).toHaveLength(2);
  });

  it("refuses a scopeId of another kind than the scope, naming scopeId", async () => {
    const orgId = await createOrg(gateway, "kinds");
    const teamId = await createTeam(gateway, orgId);
    const result = await setBudget({ scope: "KEY", scopeId: teamId, limitUsd: "1", window: "1d" });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("scopeId");
  });

  it("sets a budget on an agent of the org", async () => {
    const orgId = await createOrg(gateway, "agents");
    const [agent] = await gateway.services.sql.db
      .insert(agents)
      .values({ orgId: rawId(orgId), name: "planner" })
      .returning();
    const agentId = encodeGlobalID("Agent", agent?.id ?? "");
    const budget = await mustSetBudget({
      scope: "AGENT",
      scopeId: agentId,
      limitUsd: "2",
      window: "7d",
    });
    expect(budget).toMatchObject({ scope: "AGENT", scopeId: agentId, limitUsd: "2" });
  });

  it("answers NOT_FOUND for an agent that does not exist", async () => {
    const missingAgent = encodeGlobalID("Agent", "00000000-0000-4000-8000-000000000000");
    const result = await setBudget({
      scope: "AGENT",
      scopeId: missingAgent,
      limitUsd: "1",
      window: "1d",
    });
    expect(codesOf(result)).toEqual(["NOT_FOUND"]);
  });
});

describe("budgets on the objects they limit", () => {
  it("lists every budget of an org on the org, and each object's own on team and key", async () => {
    const orgId = await createOrg(gateway, "lists");
    const teamId = await createTeam(gateway, orgId);
    const { keyId } = await createKey(gateway, { orgId, teamId });
    const onOrg = await mustSetBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: 100,
      window: "30d",
    });
    const onTeam = await mustSetBudget({
      scope: "TEAM",
      scopeId: teamId,
      limitUsd: 10,
      window: "1d",
    });
    const onKey = await mustSetBudget({ scope: "KEY", scopeId: keyId, limitUsd: 1, window: "1h" });
    const data = await gateway.admin<{
      org: { budgets: Connection<{ id: string }>; teamBudgets: Connection<{ id: string }> };
      team: { budgets: Array<{ id: string }> };
      key: { budgets: Array<{ id: string }> };
    }>(
      `query ($org: ID!, $team: ID!, $key: ID!) {
        org(id: $org) {
          budgets { edges { node { id } } }
          teamBudgets: budgets(scope: TEAM) { edges { node { id } } }
        }
        team: node(id: $team) { ... on Team { budgets { id } } }
        key: node(id: $key) { ... on VirtualKey { budgets { id } } }
      }`,
      { org: orgId, team: teamId, key: keyId },
    );
    expect(
      nodesOf(data.org.budgets)
        .map((budget) => budget.id)
        .sort(),
    ).toEqual([onOrg.id, onTeam.id, onKey.id].sort());
    expect(nodesOf(data.org.teamBudgets)).toEqual([{ id: onTeam.id }]);
    expect(data.team.budgets).toEqual([{ id: onTeam.id }]);
    expect(data.key.budgets).toEqual([{ id: onKey.id }]);
  });

  it("reports the spend usage records hold inside the window only", async () => {
    const orgId = await createOrg(gateway, "spend");
    const { keyId } = await createKey(gateway, { orgId });
    const hourly = await mustSetBudget({ scope: "KEY", scopeId: keyId, limitUsd: 1, window: "1h" });
    const daily = await mustSetBudget({ scope: "KEY", scopeId: keyId, limitUsd: 1, window: "1d" });
    const now = Date.now();
    const record = (suffix: string, key: string, costNanoUsd: number, ageMs: number) => ({
      requestId: `spend-${suffix}-${crypto.randomUUID()}`,
      orgId: rawId(orgId),
      keyId: key,
      endpoint: "chat.completions",
      provider: "mock",
      model: "echo",
      status: 200,
      stream: false,
      cacheHit: false,
      attempts: 1,
      inputTokens: 1,
      outputTokens: 1,
      cachedInputTokens: 0,
      usageEstimated: false,
      costNanoUsd,
      latencyMs: 1,
      createdAt: new Date(now - ageMs),
    });
    await gateway.services.sql.db
      .insert(usageRecords)
      .values([
        record("recent", rawId(keyId), 123_456_789, 5 * 60_000),
        record("earlier-today", rawId(keyId), 1_000_000_000, 3 * 3_600_000),
        record("other-key", crypto.randomUUID(), 7, 60_000),
      ]);
    const read = async (id: string) =>
      (
        await gateway.admin<{ node: { spentUsd: string } }>(
          `query ($id: ID!) { node(id: $id) { ... on Budget { spentUsd } } }`,
          { id },
        )
      ).node.spentUsd;
    expect(await read(hourly.id)).toBe("0.123456789");
    expect(await read(daily.id)).toBe("1.123456789");
  });
});

describe("updateBudget and deleteBudget", () => {
  it("changes only the fields given", async () => {
    const orgId = await createOrg(gateway, "updates");
    const budget = await mustSetBudget({
      scope: "ORG",
      scopeId: orgId,
      limitUsd: "10",
      window: "1d",
      alertThresholds: [0.9],
    });
    const data = await gateway.admin<{
      updateBudget: { budget: { limitUsd: string; alertThresholds: number[]; window: string } };
    }>(
      `mutation ($id: ID!) {
        updateBudget(input: { id: $id, limitUsd: "12.000000001" }) { budget { limitUsd alertThresholds window } }
      }`,
      { id: budget.id },
    );
    expect(data.updateBudget.budget).toEqual({
      limitUsd: "12.000000001",
      alertThresholds: [0.9],
      window: "1d",
    });
    const thresholds = await gateway.admin<{
      updateBudget: { budget: { limitUsd: string; alertThresholds: number[] } };
    }>(
      `mutation ($id: ID!) {
        updateBudget(input: { id: $id, alertThresholds: [1, 0.25] }) { budget { limitUsd alertThresholds } }
      }`,
      { id: budget.id },
    );
    expect(thresholds.updateBudget.budget).toEqual({
      limitUsd: "12.000000001",
      alertThresholds: [0.25, 1],
    });
  });

  it("validates an update like a set, naming the field", async () => {
    const orgId = await createOrg(gateway, "bad-updates");
    const budget = await mustSetBudget({ scope: "ORG", scopeId: orgId, limitUsd: 1, window: "1d" });
    const result = await gateway.graphql(
      `mutation ($id: ID!) { updateBudget(input: { id: $id, limitUsd: "1.5.0" }) { budget { id } } }`,
      { id: budget.id },
    );
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("limitUsd");
  });

  it("deletes a budget and answers with the id it had", async () => {
    const orgId = await createOrg(gateway, "deletes");
    const budget = await mustSetBudget({ scope: "ORG", scopeId: orgId, limitUsd: 1, window: "1d" });
    const data = await gateway.admin<{ deleteBudget: { deletedId: string } }>(
      `mutation ($id: ID!) { deleteBudget(input: { id: $id }) { deletedId } }`,
      { id: budget.id },
    );
    expect(data.deleteBudget.deletedId).toBe(budget.id);
    const gone = await gateway.admin<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id } }`,
      { id: budget.id },
    );
    expect(gone.node).toBeNull();
    const again = await gateway.graphql(
      `mutation ($id: ID!) { deleteBudget(input: { id: $id }) { deletedId } }`,
      { id: budget.id },
    );
    expect(codesOf(again)).toEqual(["NOT_FOUND"]);
  });
});

describe("tenant isolation", () => {
  async function twoOrgs() {
    const victimOrg = await createOrg(gateway, "victim");
    const victimTeam = await createTeam(gateway, victimOrg);
    const victimKey = await createKey(gateway, { orgId: victimOrg });
    const victimBudget = await mustSetBudget({
      scope: "KEY",
      scopeId: victimKey.keyId,
      limitUsd: "5",
      window: "1d",
    });
    const attackerOrg = await createOrg(gateway, "attacker");
    const attacker = await createAdminToken(gateway, attackerOrg, "OWNER");
    return { victimOrg, victimTeam, victimKey, victimBudget, attackerOrg, attacker };
  }

  it("does not let another org's token point a budget at this org, its team or its key", async () => {
    const { victimOrg, victimTeam, victimKey, attacker } = await twoOrgs();
    const input = { limitUsd: "1000", window: "1d" };
    expect(
      codesOf(await setBudget({ ...input, scope: "ORG", scopeId: victimOrg }, attacker)),
    ).toEqual(["FORBIDDEN"]);
    expect(
      codesOf(await setBudget({ ...input, scope: "TEAM", scopeId: victimTeam }, attacker)),
    ).toEqual(["NOT_FOUND"]);
    expect(
      codesOf(await setBudget({ ...input, scope: "KEY", scopeId: victimKey.keyId }, attacker)),
    ).toEqual(["NOT_FOUND"]);
    const rows = await gateway.services.sql.db
      .select()
      .from(budgets)
      .where(eq(budgets.orgId, rawId(victimOrg)));
    expect(rows).toHaveLength(1);
  });

  it("does not let another org's token read, change or delete this org's budget", async () => {
    const { victimKey, victimBudget, attacker } = await twoOrgs();
    const byNode = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id ... on Budget { limitUsd } } }`,
      { id: victimBudget.id },
      attacker,
    );
    expect(byNode.data?.node ?? null).toBeNull();
    const update = await gateway.graphql(
      `mutation ($id: ID!) { updateBudget(input: { id: $id, limitUsd: "9999" }) { budget { id } } }`,
      { id: victimBudget.id },
      attacker,
    );
    expect(codesOf(update)).toEqual(["NOT_FOUND"]);
    const remove = await gateway.graphql(
      `mutation ($id: ID!) { deleteBudget(input: { id: $id }) { deletedId } }`,
      { id: victimBudget.id },
      attacker,
    );
    expect(codesOf(remove)).toEqual(["NOT_FOUND"]);
    expect(await storedLimit(victimBudget.id)).toBe(5_000_000_000);
    const throughKey = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { ... on VirtualKey { budgets { id } } } }`,
      { id: victimKey.keyId },
      attacker,
    );
    expect(throughKey.data?.node ?? null).toBeNull();
  });

  it("lets a VIEWER read budgets but not set, change or delete them", async () => {
    const orgId = await createOrg(gateway, "viewers");
    const budget = await mustSetBudget({ scope: "ORG", scopeId: orgId, limitUsd: 3, window: "1d" });
    const viewer = await createAdminToken(gateway, orgId, "VIEWER");
    const read = await gateway.graphql<{ org: { budgets: Connection<{ id: string }> } }>(
      `query ($id: ID!) { org(id: $id) { budgets { edges { node { id limitUsd spentUsd } } } } }`,
      { id: orgId },
      viewer,
    );
    expect(read.errors).toBeUndefined();
    expect(nodesOf(read.data?.org.budgets ?? { edges: [] }).map((row) => row.id)).toEqual([
      budget.id,
    ]);
    const set = await setBudget(
      { scope: "ORG", scopeId: orgId, limitUsd: 30, window: "1d" },
      viewer,
    );
    expect(codesOf(set)).toEqual(["FORBIDDEN"]);
    const update = await gateway.graphql(
      `mutation ($id: ID!) { updateBudget(input: { id: $id, limitUsd: 30 }) { budget { id } } }`,
      { id: budget.id },
      viewer,
    );
    expect(codesOf(update)).toEqual(["FORBIDDEN"]);
    const remove = await gateway.graphql(
      `mutation ($id: ID!) { deleteBudget(input: { id: $id }) { deletedId } }`,
      { id: budget.id },
      viewer,
    );
    expect(codesOf(remove)).toEqual(["FORBIDDEN"]);
  });

  it("lets an ADMIN of the org set its budgets", async () => {
    const orgId = await createOrg(gateway, "admins");
    const admin = await createAdminToken(gateway, orgId, "ADMIN");
    const result = await setBudget(
      { scope: "ORG", scopeId: orgId, limitUsd: 3, window: "1d" },
      admin,
    );
    expect(result.errors).toBeUndefined();
  });
});

describe("through the gateway", () => {
  it("refuses the next call on a second instance with 402 once a budget is set, and serves it again once deleted", async () => {
    const second = await startTestGateway({ sameDeploymentAs: gateway });
    try {
      const orgId = await createOrg(gateway, "e2e-budgets");
      const key = await createKey(gateway, { orgId });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);

      const budget = await mustSetBudget({
        scope: "KEY",
        scopeId: key.keyId,
        limitUsd: "0.000000001",
        window: "1d",
      });
      const refused = await second.call("/v1/chat/completions", hello, key.secret);
      expect(refused.status).toBe(402);
      expect((await refused.json()).error.code).toBe("budget_exceeded");

      await gateway.admin(
        `mutation ($id: ID!) { deleteBudget(input: { id: $id }) { deletedId } }`,
        {
          id: budget.id,
        },
      );
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it("serves the next call on a second instance once updateBudget raised the limit", async () => {
    const second = await startTestGateway({ sameDeploymentAs: gateway });
    try {
      const orgId = await createOrg(gateway, "e2e-raise");
      const key = await createKey(gateway, { orgId });
      const budget = await mustSetBudget({
        scope: "ORG",
        scopeId: orgId,
        limitUsd: "0.000000001",
        window: "TOTAL",
      });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(402);
      await gateway.admin(
        `mutation ($id: ID!) { updateBudget(input: { id: $id, limitUsd: "100" }) { budget { id } } }`,
        { id: budget.id },
      );
      const served = await second.call("/v1/chat/completions", hello, key.secret);
      expect(served.status).toBe(200);
      expect(Number(served.headers.get("x-switchyard-budget-remaining-usd"))).toBeGreaterThan(99);
    } finally {
      await second.close();
    }
  });
});
