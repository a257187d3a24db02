/** A warm call through a route alias resolves it from the in-process cache: no SQL before the answer. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeUuidGlobalId } from "../../schema/global-id.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { databaseObserved } from "../support/outage.ts";

let upstream: FakeOpenAI;
let gateway: TestGateway;
const queries: string[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway({
    observeSql: (db) => databaseObserved(db, (entry) => queries.push(entry)),
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** An OpenAI-compatible provider on the fake upstream, for the org; its id. */
async function createUpstreamProvider(orgId: string, name: string): Promise<string> {
  const { createProvider } = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        orgId,
        kind: "openai-compatible",
        name,
        baseUrl: upstream.baseUrl,
        apiKey: "sk-x",
      },
    },
  );
  return createProvider.provider.id;
}

it("makes no SQL query before answering a warm call that names a route alias", async () => {
  const key = await createOrgWithKey(gateway);
  const providerId = await createUpstreamProvider(key.orgId, "up");
  await gateway.admin(
    `mutation ($input: CreateModelRouteInput!) { createModelRoute(input: $input) { route { id } } }`,
    {
      input: {
        orgId: key.orgId,
        alias: "warm",
        strategy: "PRIORITY",
        deployments: [{ providerId, model: "m" }],
      },
    },
  );
  const chat = { model: "warm", messages: [{ role: "user", content: "hi" }] };
  expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
  await gateway.services.background.drain();

  queries.length = 0;
  const response = await gateway.call("/v1/chat/completions", chat, key.secret);
  expect(response.status).toBe(200);
  expect(queries).toEqual([]);
  await response.text();
});

it("builds a provider/model name's deployment once and shares it, for a bounded number of names", async () => {
  const key = await createOrgWithKey(gateway);
  await createUpstreamProvider(key.orgId, "named");
  const { models } = gateway.services;
  const orgId = decodeUuidGlobalId(key.orgId).id;
  const first = await models.resolve(orgId, "named/m0");
  expect(await models.resolve(orgId, "named/m0")).toBe(first);
  // Names come from clients: past the bound each is still resolved, just not remembered.
  const names = Array.from({ length: 300 }, (_, i) => `named/m${i}`);
  for (const name of names) await models.resolve(orgId, name);
  const late = await models.resolve(orgId, "named/m299");
  expect(late?.deployments[0]?.target.model).toBe("m299");
  expect(await models.resolve(orgId, "named/m299")).not.toBe(late);
  expect(await models.resolve(orgId, "named/m1")).toBe(await models.resolve(orgId, "named/m1"));
  expect(await models.resolve(orgId, "nobody/m0")).toBeNull();
});
