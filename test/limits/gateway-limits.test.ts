/**
 * Rate limits, concurrency leases and budgets as a client meets them through the gateway: one
 * Redis round trip per call, 402 for money, 429 for pace, and no combination of concurrent calls
 * or instances that spends past a budget.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import type { BudgetWindow } from "../../db/schema/budgets.ts";
import { usageRecords } from "../../db/schema/index.ts";
import { estimateChatCall, holdFor } from "../../functions/limits/estimate.ts";
import { loadListPrices } from "../../functions/pricing/genai-prices.ts";
import { createPriceBook } from "../../functions/pricing/price-book.ts";
import { parseChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";
import { formatNanoUsd } from "../../schema/types/usd.ts";
import { deleteByPrefix } from "../redis/use-redis.ts";
import { createOrgWithKey, rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";

const USD = 1_000_000_000;
const chat = {
  model: "mock/echo",
  max_tokens: 50,
  messages: [{ role: "user", content: "what does this cost?" }],
};

const listPrices = createPriceBook(await loadListPrices(), []);

/** The hold one such call takes: the worst case the limits stage reserves. */
function holdOf(body: unknown): number {
  const parsed = parseChatCompletionRequest(body);
  if (!parsed.ok) throw new Error("test body does not parse");
  const mock = {
    label: "mock/echo",
    providerName: "mock",
    providerId: null,
    target: { kind: "mock", name: "mock", baseUrl: null, apiKey: null, config: {}, model: "echo" },
  };
  return holdFor(estimateChatCall(parsed.value, [mock]), listPrices, Date.now()).nanoUsd;
}

const open: TestGateway[] = [];
afterEach(async () => {
  for (const gateway of open.reverse()) await gateway.close();
  open.length = 0;
});
async function gatewayFor(options: Parameters<typeof startTestGateway>[0] = {}) {
  const gateway = await startTestGateway(options);
  open.push(gateway);
  return gateway;
}

/** A budget set through the admin API, as an operator would; returns its raw id. */
async function addBudget(
  gateway: TestGateway,
  input: {
    scope: "ORG" | "TEAM" | "KEY";
    scopeId: string;
    limitNanoUsd: number;
    window?: BudgetWindow;
  },
): Promise<string> {
  const { setBudget } = await gateway.admin<{ setBudget: { budget: { id: string } } }>(
    `mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }`,
    {
      input: {
        scope: input.scope,
        scopeId: input.scopeId,
        limitUsd: formatNanoUsd(BigInt(input.limitNanoUsd)),
        window: input.window ?? "1d",
      },
    },
  );
  return rawId(setBudget.budget.id);
}

async function settledCosts(gateway: TestGateway, orgId: string): Promise<number[]> {
  await gateway.services.background.drain();
  const rows = await gateway.services.sql.db
    .select({ cost: usageRecords.costNanoUsd, status: usageRecords.status })
    .from(usageRecords)
    .where(eq(usageRecords.orgId, rawId(orgId)));
  return rows.filter((row) => row.status === 200).map((row) => row.cost);
}

describe("budgets through the gateway", () => {
  it("never lets 200 concurrent calls on two instances spend past a budget that fits 10", async () => {
    const first = await gatewayFor();
    const second = await gatewayFor({ sameDeploymentAs: first });
    const key = await createOrgWithKey(first);
    const limit = 10 * holdOf(chat);
    const budgetId = await addBudget(first, {
      scope: "KEY",
      scopeId: key.keyId,
      limitNanoUsd: limit,
    });

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? first : second).call("/v1/chat/completions", chat, key.secret),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 200 || status === 402)).toBe(true);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses).toContain(402);
    for (const response of responses.filter((r) => r.status === 402)) {
      expect((await response.json()).error.code).toBe("budget_exceeded");
    }
    await second.services.background.drain();
    const costs = await settledCosts(first, key.orgId);
    const spent = costs.reduce((sum, cost) => sum + cost, 0);
    expect(costs).toHaveLength(statuses.filter((status) => status === 200).length);
    expect(spent).toBeLessThanOrEqual(limit);
    const redisSpent = await first.services.redis.redis.hget<number>(
      `${first.services.config.redisNamespace}bud:${budgetId}`,
      "spent",
    );
    expect(Number(redisSpent)).toBe(spent);
  }, 120_000);

  it("refuses with 402 when the team's budget is spent although the key's is not", async () => {
    const gateway = await gatewayFor();
    const { orgId } = await createOrgWithKey(gateway);
    const { createTeam } = await gateway.admin<{ createTeam: { team: { id: string } } }>(
      `mutation ($org: ID!) { createTeam(input: { orgId: $org, name: "research" }) { team { id } } }`,
      { org: orgId },
    );
    const { createVirtualKey } = await gateway.admin<{
      createVirtualKey: { key: { id: string }; secret: string };
    }>(
      `mutation ($org: ID!, $team: ID!) {
        createVirtualKey(input: { orgId: $org, teamId: $team, name: "team key" }) { key { id } secret }
      }`,
      { org: orgId, team: createTeam.team.id },
    );
    const hold = holdOf(chat);
    await addBudget(gateway, {
      scope: "KEY",
      scopeId: createVirtualKey.key.id,
      limitNanoUsd: 100 * hold,
    });
    await addBudget(gateway, {
      scope: "TEAM",
      scopeId: createTeam.team.id,
      limitNanoUsd: Math.floor(hold / 2),
    });

    const response = await gateway.call("/v1/chat/completions", chat, createVirtualKey.secret);
    expect(response.status).toBe(402);
    const body = await response.json();
    expect(body.error).toMatchObject({ code: "budget_exceeded", type: "insufficient_quota" });
    expect(body.error.message).toContain("team budget");
  });

  it("tells every answer how much of the tightest budget is left", async () => {
    const gateway = await gatewayFor();
    const key = await createOrgWithKey(gateway);
    const hold = holdOf(chat);
    await addBudget(gateway, {
      scope: "ORG",
      scopeId: key.orgId,
      limitNanoUsd: 100 * hold,
    });
    await addBudget(gateway, {
      scope: "KEY",
      scopeId: key.keyId,
      limitNanoUsd: 10 * hold,
    });
    const response = await gateway.call("/v1/chat/completions", chat, key.secret);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("x-switchyard-budget-remaining-usd"))).toBeCloseTo(
      (9 * hold) / USD,
      9,
    );
  });

  it("lets spend age out of a rolling window", async () => {
    let now = Date.UTC(2026, 11, 1, 9, 0, 0);
    const gateway = await gatewayFor({ clock: () => now });
    const key = await createOrgWithKey(gateway);
    await addBudget(gateway, {
      scope: "KEY",
      scopeId: key.keyId,
      limitNanoUsd: holdOf(chat),
      window: "1h",
    });
    expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
    await gateway.services.background.drain();
    now += 30 * 60_000;
    expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(402);
    now += 32 * 60_000;
    expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
  });

  it("still holds the budget after Redis lost every counter mid-window", async () => {
    const gateway = await gatewayFor();
    const key = await createOrgWithKey(gateway);
    await addBudget(gateway, {
      scope: "KEY",
      scopeId: key.keyId,
      limitNanoUsd: holdOf(chat),
    });
    expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
    await gateway.services.background.drain();
    await deleteByPrefix(gateway.services.redis.redis, gateway.services.config.redisNamespace);
    const response = await gateway.call("/v1/chat/completions", chat, key.secret);
    expect(response.status).toBe(402);
  });
});

describe("rate limits through the gateway", () => {
  it("answers 429 with Retry-After and OpenAI's headers past the key's RPM", async () => {
    const gateway = await gatewayFor();
    const key = await createOrgWithKey(gateway, { rpm: 2 });
    const first = await gateway.call("/v1/chat/completions", chat, key.secret);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(first.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+ms|\d+s|\d+m\d+s)$/);
    expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
    const refused = await gateway.call("/v1/chat/completions", chat, key.secret);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await refused.json()).error).toMatchObject({
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
    });
  });

  it("holds a concurrency slot for the length of a stream and frees it at the end", async () => {
    const gateway = await gatewayFor();
    const key = await createOrgWithKey(gateway, { maxConcurrency: 1 });
    const streaming = await gateway.call(
      "/v1/chat/completions",
      { ...chat, stream: true },
      key.secret,
    );
    expect(streaming.status).toBe(200);
    const blocked = await gateway.call("/v1/chat/completions", chat, key.secret);
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).error.message).toContain("concurrent");
    await streaming.text();
    await gateway.services.background.drain();
    expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
  });
});

describe("revocation", () => {
  it("is seen by a second instance on its very next call", async () => {
    const first = await gatewayFor();
    const second = await gatewayFor({ sameDeploymentAs: first });
    const key = await createOrgWithKey(first);
    expect((await second.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
    await first.admin(
      `mutation ($id: ID!) { revokeVirtualKey(input: { id: $id }) { key { id } } }`,
      {
        id: key.keyId,
      },
    );
    const refused = await second.call("/v1/chat/completions", chat, key.secret);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("key_revoked");
  });
});
