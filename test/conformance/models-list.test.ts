/**
 * GET /v1/models lists exactly what the calling key may use, in OpenAI's list shape: the models
 * its org's providers declare and its route aliases, narrowed by the key's model allow-list.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let orgId: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  ({ orgId } = await createOrgWithKey(gateway));
  const { createProvider } = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        orgId,
        kind: "openai-compatible",
        name: "lab",
        baseUrl: "http://127.0.0.1:9/v1",
        config: { models: ["small", "large"] },
      },
    },
  );
  await gateway.admin(
    `mutation ($input: CreateModelRouteInput!) { createModelRoute(input: $input) { route { id } } }`,
    {
      input: {
        orgId,
        alias: "fast",
        strategy: "PRIORITY",
        deployments: [{ providerId: createProvider.provider.id, model: "small" }],
      },
    },
  );
});
afterAll(async () => {
  await gateway?.close();
});

async function keyIn(models?: string[]): Promise<string> {
  const { createVirtualKey } = await gateway.admin<{ createVirtualKey: { secret: string } }>(
    `mutation ($input: CreateVirtualKeyInput!) { createVirtualKey(input: $input) { secret } }`,
    { input: { orgId, name: "models test", ...(models ? { models } : {}) } },
  );
  return createVirtualKey.secret;
}

async function listed(secret: string) {
  const response = await gateway.app.fetch(
    new Request("http://switchyard.test/v1/models", {
      headers: { authorization: `Bearer ${secret}` },
    }),
  );
  expect(response.status).toBe(200);
  return response.json();
}

describe("GET /v1/models", () => {
  it("lists every model and alias of the org for a key without an allow-list, in OpenAI's shape", async () => {
    const body = await listed(await keyIn());
    expect(body.object).toBe("list");
    expect(body.data.map((model: { id: string }) => model.id)).toEqual([
      "fast",
      "lab/large",
      "lab/small",
      "mock/echo",
      "mock/embed",
    ]);
    expect(body.data).toContainEqual({
      id: "lab/small",
      object: "model",
      created: 0,
      owned_by: "lab",
    });
    expect(body.data).toContainEqual({
      id: "fast",
      object: "model",
      created: 0,
      owned_by: "switchyard",
    });
  });

  it.each([
    [["mock/echo"], ["mock/echo"]],
    [["lab/*"], ["lab/large", "lab/small"]],
    [["fast"], ["fast"]],
    [
      ["lab/small", "fast"],
      ["fast", "lab/small"],
    ],
  ])("narrows to the key's allow-list %j", async (models, expected) => {
    const body = await listed(await keyIn(models));
    expect(body.data.map((model: { id: string }) => model.id)).toEqual(expected);
  });

  it("never lists another org's models", async () => {
    const other = await createOrgWithKey(gateway);
    const body = await listed(other.secret);
    expect(body.data.map((model: { id: string }) => model.id)).toEqual(["mock/echo", "mock/embed"]);
  });

  it("is what the openai SDK's models.list() returns", async () => {
    const secret = await keyIn(["lab/*"]);
    const client = new OpenAI({
      apiKey: secret,
      baseURL: "http://switchyard.test/v1",
      fetch: (input, init) => gateway.app.fetch(new Request(input, init)),
      maxRetries: 0,
    });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["lab/large", "lab/small"]);
  });
});
