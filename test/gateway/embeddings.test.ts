/**
 * POST /v1/embeddings through the whole pipeline: the built-in mock (offline), an OpenAI-kind
 * provider (passthrough), an Azure deployment and Gemini against their fakes; the usage record,
 * the cost at list prices and the budget charged; OpenAI-shaped errors.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { countTokens } from "../../functions/providers/tokens.ts";
import { formatNanoUsd } from "../../schema/types/usd.ts";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-server.ts";
import { createOrgWithKey, rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  type FakeEmbeddingsUpstream,
  fakeVector,
  startFakeEmbeddingsUpstream,
  UPSTREAM_KEY,
} from "./embeddings-upstream.ts";

const GEMINI_KEY = "AIzaSy-embeddings-test-0123456789";
let gateway: TestGateway;
let upstream: FakeEmbeddingsUpstream;
let gemini: FakeGemini;
let key: { orgId: string; keyId: string; secret: string };
let server: ReturnType<typeof serve>;
let client: OpenAI;

beforeAll(async () => {
  [upstream, gemini] = await Promise.all([
    startFakeEmbeddingsUpstream(),
    startFakeGemini({ apiKey: GEMINI_KEY }),
  ]);
  gateway = await startTestGateway();
  key = await createOrgWithKey(gateway);
  const create = `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`;
  const providers = [
    { kind: "openai", name: "oai", baseUrl: upstream.baseUrl, apiKey: UPSTREAM_KEY },
    { kind: "azure-openai", name: "azure", baseUrl: upstream.origin, apiKey: UPSTREAM_KEY },
    { kind: "gemini", name: "gem", baseUrl: gemini.baseUrl, apiKey: GEMINI_KEY },
    {
      kind: "anthropic",
      name: "claude",
      baseUrl: "http://127.0.0.1:9",
      apiKey: "sk-ant-x-0123456789",
    },
  ];
  for (const input of providers)
    await gateway.admin(create, { input: { orgId: key.orgId, ...input } });
  const port = await new Promise<number>((resolve) => {
    server = serve(
      { fetch: gateway.app.fetch, port: 0, hostname: "127.0.0.1" },
      (info: AddressInfo) => resolve(info.port),
    );
  });
  client = new OpenAI({
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey: key.secret,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await gateway?.close();
  await Promise.all([upstream?.close(), gemini?.close()]);
});

/** The answer or the error body; base64 embeddings are read with String(). */
interface EmbeddingsJson {
  object: string;
  model: string;
  data: Array<{ object: string; index: number; embedding: number[] }>;
  usage: { prompt_tokens: number; total_tokens: number };
  error: { type: string; code: string; param: string | null; message: string };
}

async function embed(body: unknown, secret = key.secret) {
  const response = await gateway.call("/v1/embeddings", body, secret);
  return { response, json: (await response.json()) as EmbeddingsJson };
}

async function recordOf(response: Response) {
  await gateway.services.background.drain();
  const [record] = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.requestId, response.headers.get("x-request-id") ?? ""));
  return record;
}

const norm = (vector: number[]) => Math.hypot(...vector);
const cosine = (a: number[], b: number[]) =>
  a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0) / (norm(a) * norm(b));

describe("embeddings from the built-in mock", () => {
  it("answers deterministic unit vectors in OpenAI's shape, with usage, cost and a usage record", async () => {
    const { response, json } = await embed({
      model: "mock/embed",
      input: ["the quick brown fox", "the quick brown fox", "an unrelated sentence"],
    });
    expect(response.status).toBe(200);
    expect(json.object).toBe("list");
    expect(json.model).toBe("embed");
    const vectors = json.data.map((item) => item.embedding);
    expect(json.data.map((item) => [item.index, item.object])).toEqual([
      [0, "embedding"],
      [1, "embedding"],
      [2, "embedding"],
    ]);
    expect(vectors[0]).toHaveLength(256);
    expect(norm(vectors[0] ?? [])).toBeCloseTo(1, 10);
    expect(vectors[1]).toEqual(vectors[0]);
    expect(cosine(vectors[0] ?? [], vectors[2] ?? [])).toBeLessThan(0.5);

    const tokens =
      2 * (await countTokens("the quick brown fox")) + (await countTokens("an unrelated sentence"));
    expect(json.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    // mock/embed is priced at $0.02 per million input tokens: 20 nano-USD a token.
    expect(response.headers.get("x-switchyard-cost-usd")).toBe((tokens * 20e-9).toFixed(9));
    expect(response.headers.get("x-switchyard-provider")).toBe("mock");
    expect(await recordOf(response)).toMatchObject({
      endpoint: "/v1/embeddings",
      provider: "mock",
      model: "embed",
      inputTokens: tokens,
      outputTokens: 0,
      costNanoUsd: tokens * 20,
      usageEstimated: false,
      status: 200,
    });
  });

  it("honours dimensions and base64, and is what the openai SDK decodes", async () => {
    const floats = await embed({ model: "mock/embed", input: "hello world", dimensions: 16 });
    const vector = floats.json.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(16);
    const encoded = await embed({
      model: "mock/embed",
      input: "hello world",
      dimensions: 16,
      encoding_format: "base64",
    });
    const bytes = Buffer.from(String(encoded.json.data[0]?.embedding), "base64");
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 16))).toEqual(
      Array.from(Float32Array.from(vector)),
    );
    // The SDK asks for base64 by default and decodes it.
    const sdk = await client.embeddings.create({
      model: "mock/embed",
      input: "hello world",
      dimensions: 16,
    });
    expect(sdk.data[0]?.embedding).toEqual(Array.from(Float32Array.from(vector)));
  });

  it("takes token id arrays", async () => {
    const { response, json } = await embed({
      model: "mock/embed",
      input: [
        [1, 2, 3],
        [4, 5],
      ],
    });
    expect(response.status).toBe(200);
    expect(json.data).toHaveLength(2);
    expect(json.usage.prompt_tokens).toBe(5);
  });
});

describe("embeddings through upstream providers", () => {
  it("passes an OpenAI request through with the deployment's model and key", async () => {
    const { response, json } = await embed({
      model: "oai/text-embedding-3-small",
      input: ["alpha beta", "gamma"],
      dimensions: 4,
      user: "u-42",
    });
    expect(response.status).toBe(200);
    expect(json.data.map((item) => item.embedding)).toEqual([
      fakeVector("alpha beta", 4),
      fakeVector("gamma", 4),
    ]);
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe("/v1/embeddings");
    expect(sent?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent?.body).toEqual({
      model: "text-embedding-3-small",
      input: ["alpha beta", "gamma"],
      dimensions: 4,
      user: "u-42",
    });
    // The upstream counted 3 tokens; text-embedding-3-small lists $0.02 per million: 60 nano-USD.
    expect(json.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(await recordOf(response)).toMatchObject({
      provider: "oai",
      inputTokens: 3,
      costNanoUsd: 60,
      usageEstimated: false,
      priceKnown: true,
    });
  });

  it("passes the upstream's base64 through untouched", async () => {
    const { json } = await embed({
      model: "oai/text-embedding-3-small",
      input: "alpha",
      encoding_format: "base64",
    });
    expect(String(json.data[0]?.embedding)).toBe(
      Buffer.from(new Float32Array(fakeVector("alpha")).buffer).toString("base64"),
    );
  });

  it("calls the Azure deployment's embeddings path with its api-key", async () => {
    const { response, json } = await embed({
      model: "azure/text-embedding-3-small",
      input: "one two",
    });
    expect(response.status).toBe(200);
    expect(json.data[0]?.embedding).toEqual(fakeVector("one two"));
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe(
      "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21",
    );
    expect(sent?.headers["api-key"]).toBe(UPSTREAM_KEY);
    expect((await recordOf(response))?.costNanoUsd).toBe(2 * 20);
  });

  it("embeds with Gemini's batchEmbedContents, usage estimated", async () => {
    const { response, json } = await embed({
      model: "gem/gemini-embedding-001",
      input: ["sky", "ocean blue"],
      dimensions: 5,
    });
    expect(response.status).toBe(200);
    const sent = gemini.requests.at(-1);
    expect(sent?.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(sent?.headers["x-goog-api-key"]).toBe(GEMINI_KEY);
    expect(sent?.body).toEqual({
      requests: [
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "sky" }] },
          outputDimensionality: 5,
        },
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "ocean blue" }] },
          outputDimensionality: 5,
        },
      ],
    });
    expect(json.data.map((item) => item.embedding)).toEqual([
      [0.03, 0.04, 0.05, 0.06, 0.07],
      [0.1, 0.11, 0.12, 0.13, 0.14],
    ]);
    const tokens = (await countTokens("sky")) + (await countTokens("ocean blue"));
    // gemini-embedding-001 lists $0.15 per million input tokens: 150 nano-USD a token.
    expect(await recordOf(response)).toMatchObject({
      provider: "gem",
      inputTokens: tokens,
      costNanoUsd: tokens * 150,
      usageEstimated: true,
    });
  });

  it("refuses token arrays for Gemini with a 400 naming input", async () => {
    const { response, json } = await embed({ model: "gem/gemini-embedding-001", input: [1, 2, 3] });
    expect(response.status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param: "input" });
  });
});

describe("embeddings errors, in OpenAI's shape", () => {
  it("refuses a provider without embeddings with a 400 naming the model", async () => {
    const { response, json } = await embed({
      model: "claude/claude-sonnet-4-20250514",
      input: "x",
    });
    expect(response.status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param: "model" });
    expect(json.error.message).toContain("claude/claude-sonnet-4-20250514");
  });

  it.each([
    [{ model: "mock/embed" }, "input"],
    [{ model: "mock/embed", input: "" }, "input"],
    [{ model: "mock/embed", input: "x", encoding_format: "int8" }, "encoding_format"],
    [{ model: "mock/embed", input: "x", dimensions: 0 }, "dimensions"],
  ])("answers 400 naming the field for %j", async (body, param) => {
    const { response, json } = await embed(body);
    expect(response.status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("answers 404 for an unknown model and 401 without a key", async () => {
    expect((await embed({ model: "nowhere/x", input: "x" })).response.status).toBe(404);
    expect((await embed({ model: "mock/embed", input: "x" }, "sk-wrong")).response.status).toBe(
      401,
    );
  });

  it("passes an upstream 400 back with its message", async () => {
    upstream.failNext(400, "This model's maximum context length is 8192 tokens");
    const { response, json } = await embed({ model: "oai/text-embedding-3-small", input: "x" });
    expect(response.status).toBe(400);
    expect(json.error.message).toContain("maximum context length");
    expect(json.error.message).not.toContain(UPSTREAM_KEY);
  });

  it("refuses a model the key may not use", async () => {
    const narrow = await createOrgWithKey(gateway, { models: ["mock/echo"] });
    const { response, json } = await embed({ model: "mock/embed", input: "x" }, narrow.secret);
    expect(response.status).toBe(403);
    expect(json.error.code).toBe("model_not_allowed");
  });
});

describe("embeddings and budgets", () => {
  it("charges the budget what the usage record costs, and refuses past it", async () => {
    const { keyId, secret } = await createOrgWithKey(gateway);
    const { setBudget } = await gateway.admin<{ setBudget: { budget: { id: string } } }>(
      `mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }`,
      { input: { scope: "KEY", scopeId: keyId, limitUsd: formatNanoUsd(1_000n), window: "1d" } },
    );
    const budgetKey = `${gateway.services.config.redisNamespace}bud:${rawId(setBudget.budget.id)}`;
    const { response } = await embed({ model: "mock/embed", input: "budgeted words" }, secret);
    expect(response.status).toBe(200);
    const record = await recordOf(response);
    expect(record?.costNanoUsd).toBe((await countTokens("budgeted words")) * 20);
    expect(record?.reservedNanoUsd).toBe("budgeted words".length * 20);
    expect(Number(await gateway.services.redis.redis.hget(budgetKey, "spent"))).toBe(
      record?.costNanoUsd,
    );

    // 1000 nano-USD holds at most 50 characters at 20 nano-USD each.
    const refused = await embed({ model: "mock/embed", input: "x".repeat(60) }, secret);
    expect(refused.response.status).toBe(402);
    expect(refused.json.error.code).toBe("budget_exceeded");
  });
});
