/**
 * Budget alerts end to end: calls through the gateway spend an org's budget past 80% and then
 * 100%; each crossing is audited once and POSTed once, signed, to the org's webhook (a receiver
 * on 127.0.0.1). Retries are real requests to the receiver; only the pauses between them are
 * skipped (an injected sleep).
 */
import { asc, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditEvents, budgets } from "../../db/schema/index.ts";
import { createAlerts } from "../../functions/alerts/alerts.ts";
import { verifyAuditChain } from "../../functions/audit/verify-audit-chain.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../fakes/webhook-receiver.ts";
import { truncateAll } from "../support/database.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";
import { receiverAccepts } from "./receiver-check.ts";

const USD = 1_000_000_000;
/** gpt-4o-mini output costs 0.60 USD per million tokens: each call below costs 0.60 USD. */
const COSTLY_USAGE = { prompt_tokens: 0, completion_tokens: 1_000_000, total_tokens: 1_000_000 };
/** 0.60 USD is 86% of it: the first call crosses 80%, the second 100%. */
const LIMIT_NANO_USD = 0.7 * USD;
const chat = {
  model: "upstream/gpt-4o-mini",
  max_tokens: 10,
  messages: [{ role: "user", content: "spend" }],
};

let gateway: TestGateway;
let upstream: FakeOpenAI;
let receiver: FakeWebhookReceiver;
/** Pauses the deliveries asked for; they return at once. */
let pauses: number[];

beforeAll(async () => {
  gateway = await startTestGateway();
  upstream = await startFakeOpenAI();
  receiver = await startFakeWebhookReceiver();
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await receiver?.close();
});
beforeEach(() => {
  upstream.script({ kind: "complete", usage: COSTLY_USAGE });
  receiver.received.length = 0;
  receiver.answer(200);
  pauses = [];
  const { services } = gateway;
  services.alerts = createAlerts({
    db: services.sql.db,
    keyring: services.keyring,
    log: services.log,
    background: services.background,
    fetch: services.fetch,
    clock: services.clock,
    sleep: async (ms) => {
      pauses.push(ms);
    },
  });
});
afterEach(() => truncateAll(gateway.services.sql.db));

/** The uuid inside a relay global id. */
function rawId(globalId: string): string {
  return Buffer.from(globalId, "base64").toString("utf8").split(":")[1] ?? "";
}

/** An org with a key, an upstream whose calls cost 0.60 USD, and a 0.70 USD daily org budget. */
async function orgWithBudget(): Promise<{ orgId: string; secret: string; budgetId: string }> {
  const key = await createOrgWithKey(gateway);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
  });
  const orgId = rawId(key.orgId);
  const [budget] = await gateway.services.sql.db
    .insert(budgets)
    .values({ orgId, scope: "ORG", scopeId: orgId, limitNanoUsd: LIMIT_NANO_USD, window: "1d" })
    .returning();
  if (!budget) throw new Error("no budget row");
  await gateway.services.limits.announceChange(orgId);
  return { orgId: key.orgId, secret: key.secret, budgetId: budget.id };
}

async function createWebhook(orgId: string, url = receiver.url): Promise<string> {
  const { createWebhook } = await gateway.admin<{
    createWebhook: { webhook: { id: string }; secret: string };
  }>(
    `mutation ($input: CreateWebhookInput!) {
      createWebhook(input: $input) { webhook { id url events } secret }
    }`,
    { input: { orgId, url } },
  );
  return createWebhook.secret;
}

/** One call, answered, and everything it set off in the background finished. */
async function spend(key: string): Promise<number> {
  const response = await gateway.call("/v1/chat/completions", chat, key);
  await response.text();
  await gateway.services.background.drain();
  return response.status;
}

/** The org's whole audit chain: its admin changes, then what the gateway recorded. */
async function auditChainOf(orgId: string) {
  return gateway.services.sql.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.orgId, rawId(orgId)))
    .orderBy(asc(auditEvents.seq));
}

/** The events the gateway itself recorded (every admin mutation is in the chain too). */
async function auditTrailOf(orgId: string) {
  return (await auditChainOf(orgId)).filter((row) => row.actorType === "system");
}

interface DeliveredEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

describe("budget alerts", () => {
  it("sends one signed webhook when spend passes 80% and one when it passes 100%", async () => {
    const { orgId, secret: key, budgetId } = await orgWithBudget();
    const signingSecret = await createWebhook(orgId);

    expect(await spend(key)).toBe(200);
    expect(receiver.received).toHaveLength(1);
    expect(await spend(key)).toBe(200);
    expect(await spend(key)).toBe(402);

    expect(receiver.received).toHaveLength(2);
    const events = receiver.received.map(
      (request) => JSON.parse(request.rawBody) as DeliveredEvent,
    );
    expect(events.map((event) => [event.type, event.data.fraction])).toEqual([
      ["budget.threshold_crossed", 0.8],
      ["budget.threshold_crossed", 1],
    ]);
    expect(events[0]?.data).toMatchObject({
      orgId,
      budgetId: Buffer.from(`Budget:${budgetId}`).toString("base64"),
      scope: "ORG",
      scopeId: orgId,
      window: "1d",
      limitUsd: 0.7,
    });
    const nowSeconds = Date.now() / 1000;
    for (const request of receiver.received) {
      const signature = request.headers["x-switchyard-signature"];
      expect(receiverAccepts(signingSecret, request.rawBody, signature, nowSeconds)).toBe(true);
    }
  });

  it("records each crossing in the org's audit trail, under the id the webhook carried", async () => {
    const { orgId, secret: key, budgetId } = await orgWithBudget();
    await createWebhook(orgId);

    await spend(key);
    await spend(key);

    const trail = await auditTrailOf(orgId);
    expect(trail.map((row) => [row.action, row.actorType, row.targetType, row.targetId])).toEqual([
      ["budget.threshold_crossed", "system", "budget", budgetId],
      ["budget.threshold_crossed", "system", "budget", budgetId],
    ]);
    expect(trail.map((row) => row.data.fraction)).toEqual([0.8, 1]);
    expect(trail[0]?.data).toMatchObject({ scope: "ORG", window: "1d", limitUsd: 0.7 });
    expect(trail.every((row) => row.requestId !== null)).toBe(true);
    const delivered = receiver.received.map((request) => request.headers["x-switchyard-event-id"]);
    expect(delivered).toEqual(trail.map((row) => row.id));
    expect((await verifyAuditChain(await auditChainOf(orgId))).valid).toBe(true);
  });

  it("audits crossings of an org with no webhook", async () => {
    const { orgId, secret: key } = await orgWithBudget();

    await spend(key);

    expect((await auditTrailOf(orgId)).map((row) => row.action)).toEqual([
      "budget.threshold_crossed",
    ]);
    expect(receiver.received).toHaveLength(0);
  });

  it("delivers once, after retries, to a receiver that answers 500 twice and then 200", async () => {
    const { orgId, secret: key } = await orgWithBudget();
    await createWebhook(orgId);
    receiver.answer(500, 500, 200);

    await spend(key);

    expect(receiver.received.map((request) => request.answeredWith)).toEqual([500, 500, 200]);
    const ids = new Set(
      receiver.received.map((request) => request.headers["x-switchyard-event-id"]),
    );
    expect(ids.size).toBe(1);
    expect(pauses).toHaveLength(2);
    expect(pauses[1]).toBeGreaterThan(pauses[0] ?? Infinity);
    expect((await auditTrailOf(orgId)).map((row) => row.action)).toEqual([
      "budget.threshold_crossed",
    ]);
  });

  it("does not retry a receiver that answers 400, and audits the failed delivery", async () => {
    const { orgId, secret: key } = await orgWithBudget();
    await createWebhook(orgId);
    const { org } = await gateway.admin<{
      org: { webhooks: { edges: Array<{ node: { id: string } }> } };
    }>(`query ($id: ID!) { org(id: $id) { webhooks { edges { node { id } } } } }`, { id: orgId });
    receiver.answer(400);

    await spend(key);

    expect(receiver.received).toHaveLength(1);
    expect(pauses).toEqual([]);
    const trail = await auditTrailOf(orgId);
    expect(trail.map((row) => row.action)).toEqual([
      "budget.threshold_crossed",
      "webhook.delivery_failed",
    ]);
    expect(trail[1]).toMatchObject({
      actorType: "system",
      targetType: "webhook",
      targetId: rawId(org.webhooks.edges[0]?.node.id ?? ""),
    });
    expect(trail[1]?.data).toMatchObject({
      eventId: trail[0]?.id,
      eventType: "budget.threshold_crossed",
      attempts: 1,
      status: 400,
    });
    expect((await verifyAuditChain(await auditChainOf(orgId))).valid).toBe(true);
  });

  it("sends nothing to another org's webhook", async () => {
    const { orgId, secret: key } = await orgWithBudget();
    const { orgId: otherOrg } = await createOrgWithKey(gateway);
    await createWebhook(otherOrg);

    await spend(key);

    expect((await auditTrailOf(orgId)).map((row) => row.action)).toEqual([
      "budget.threshold_crossed",
    ]);
    expect(receiver.received).toHaveLength(0);
    expect(await auditTrailOf(otherOrg)).toEqual([]);
  });

  it("sends nothing to a deleted webhook", async () => {
    const { orgId, secret: key } = await orgWithBudget();
    await createWebhook(orgId);
    const { org } = await gateway.admin<{
      org: { webhooks: { edges: Array<{ node: { id: string } }> } };
    }>(`query ($id: ID!) { org(id: $id) { webhooks { edges { node { id } } } } }`, { id: orgId });
    await gateway.admin(
      `mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { webhook { id } } }`,
      { id: org.webhooks.edges[0]?.node.id },
    );

    await spend(key);

    expect((await auditTrailOf(orgId)).map((row) => row.action)).toEqual([
      "budget.threshold_crossed",
    ]);
    expect(receiver.received).toHaveLength(0);
  });
});
