/** Usage records say what the limits decided: the hold taken, and which limit refused. */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { budgets, usageRecords } from "../../db/schema/index.ts";
import { createOrgWithKey, rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const chat = { model: "mock/echo", max_tokens: 20, messages: [{ role: "user", content: "hi" }] };

async function recordsOf(orgId: string) {
  await gateway.services.background.drain();
  return gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.orgId, rawId(orgId)));
}

it("records the hold of a served call and the budget that refused the next", async () => {
  const key = await createOrgWithKey(gateway);
  const [budget] = await gateway.services.sql.db
    .insert(budgets)
    .values({
      orgId: rawId(key.orgId),
      scope: "KEY",
      scopeId: rawId(key.keyId),
      limitNanoUsd: 1,
      window: "1d",
    })
    .returning();
  await gateway.services.limits.announceChange(rawId(key.orgId));

  const refused = await gateway.call("/v1/chat/completions", chat, key.secret);
  expect(refused.status).toBe(402);
  const [record] = await recordsOf(key.orgId);
  expect(record).toMatchObject({ status: 402, refusedBy: `budget:${budget?.id}`, costNanoUsd: 0 });
});

it("records which rate limit refused a call", async () => {
  const key = await createOrgWithKey(gateway, { rpm: 1 });
  expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
  expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(429);
  const records = await recordsOf(key.orgId);
  const refusals = records.map((record) => record.refusedBy);
  expect(refusals).toHaveLength(2);
  expect(refusals).toContain(null);
  expect(refusals).toContain(`rate:KEY:${rawId(key.keyId)}:requests`);
});

it("records the worst case held against a budget next to what the call cost", async () => {
  const key = await createOrgWithKey(gateway);
  await gateway.services.sql.db.insert(budgets).values({
    orgId: rawId(key.orgId),
    scope: "ORG",
    scopeId: rawId(key.orgId),
    limitNanoUsd: 1_000_000_000,
    window: "30d",
  });
  await gateway.services.limits.announceChange(rawId(key.orgId));
  expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
  const [record] = await recordsOf(key.orgId);
  expect(record?.reservedNanoUsd).toBeGreaterThan(0);
  expect(record?.costNanoUsd).toBeGreaterThan(0);
  expect(record?.costNanoUsd).toBeLessThanOrEqual(record?.reservedNanoUsd ?? 0);
});
