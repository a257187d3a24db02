/**
 * Postgres goes away under load: warm calls need no SQL, so they are still served within their
 * limits; their usage is parked in Redis and reaches Postgres once it is back, every record once.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { budgets, usageRecords } from "../../db/schema/index.ts";
import { createOrgWithKey, rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";
import type { Outage } from "../support/outage.ts";

const outage: Outage = { down: false };
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ sqlOutage: outage });
});
afterAll(async () => {
  outage.down = false;
  await gateway?.close();
});

const chat = { model: "mock/echo", max_tokens: 20, messages: [{ role: "user", content: "hi" }] };

it("serves warm calls, parks their usage and stores every record once Postgres is back", async () => {
  const key = await createOrgWithKey(gateway, { rpm: 1000 });
  const orgId = rawId(key.orgId);
  const [budget] = await gateway.services.sql.db
    .insert(budgets)
    .values({ orgId, scope: "ORG", scopeId: orgId, limitNanoUsd: 1_000_000_000, window: "1d" })
    .returning();
  await gateway.services.limits.announceChange(orgId);
  // Warm: the key, the org's rules and the budget's window are now known to this instance.
  expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
  await gateway.services.background.drain();

  outage.down = true;
  const responses = await Promise.all(
    Array.from({ length: 100 }, () => gateway.call("/v1/chat/completions", chat, key.secret)),
  );
  expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
  await gateway.services.background.drain();
  const costs = responses.map((response) => Number(response.headers.get("x-switchyard-cost-usd")));

  outage.down = false;
  await gateway.services.usage.drainOutbox();
  const rows = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.orgId, orgId));
  expect(rows).toHaveLength(101);
  expect(new Set(rows.map((row) => row.requestId)).size).toBe(101);
  const stored = rows.reduce((sum, row) => sum + row.costNanoUsd, 0);
  const spent = await gateway.services.redis.redis.hget(
    `${gateway.services.config.redisNamespace}bud:${budget?.id}`,
    "spent",
  );
  expect(Number(spent)).toBe(stored);
  expect(costs.every((cost) => cost > 0)).toBe(true);
});
