import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAzureChatRequest } from "../../functions/providers/azure-openai/request.ts";
import { upstreamUrl } from "../../functions/providers/http.ts";
import { adapterFor } from "../../functions/providers/index.ts";
import type { ChatOutcome, ProviderTarget } from "../../functions/providers/types.ts";
import { type FakeAzure, startFakeAzureOpenAI } from "../fakes/azure-openai-server.ts";
import { callOptions, chatRequest, collect, target } from "./helpers.ts";

let fake: FakeAzure;
beforeAll(async () => {
  fake = await startFakeAzureOpenAI();
});
afterAll(async () => {
  await fake.close();
});

function azure(overrides: Partial<ProviderTarget> = {}): ProviderTarget {
  return target({
    kind: "azure-openai",
    name: "azure",
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    model: "gpt-4o",
    config: { deployments: { "gpt-4o": "gpt-4o-prod" } },
    ...overrides,
  });
}

async function call(overrides = {}, on: ProviderTarget = azure()): Promise<ChatOutcome> {
  const adapter = adapterFor("azure-openai");
  if (!adapter) throw new Error("no azure adapter");
  return adapter.chatCompletion(chatRequest(overrides), on, callOptions());
}

describe("the azure-openai request", () => {
  it("addresses the deployment in the path and the API version in the query, the key in api-key", () => {
    const built = buildAzureChatRequest(
      chatRequest(),
      azure({
        baseUrl: "https://acme.openai.azure.com/",
        config: { apiVersion: "2025-01-01-preview" },
      }),
    );
    expect(upstreamUrl(built)).toBe(
      "https://acme.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview",
    );
    expect(built.headers["api-key"]).toBe(fake.apiKey);
    expect(built.headers).not.toHaveProperty("authorization");
  });

  it("defaults the API version and maps a model to its deployment through config", () => {
    const built = buildAzureChatRequest(
      chatRequest(),
      azure({ baseUrl: "https://acme.openai.azure.com" }),
    );
    expect(built.path).toBe(
      "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21",
    );
  });

  it("reports a provider without a base URL as misconfigured", () => {
    expect(() => buildAzureChatRequest(chatRequest(), azure({ baseUrl: null }))).toThrow(
      expect.objectContaining({ kind: "misconfigured" }),
    );
  });
});

describe("the azure-openai adapter", () => {
  it("answers through the deployment with the deployed model's usage", async () => {
    fake.script({ kind: "complete", deltas: ["Paris."] });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]?.message.content).toBe("Paris.");
    expect(outcome.response.model).toBe("gpt-4o-2024-08-06");
    expect(outcome.usage).toMatchObject({ inputTokens: 12, outputTokens: 3, estimated: false });
    expect(fake.requests.at(-1)).toMatchObject({
      deployment: "gpt-4o-prod",
      apiVersion: "2024-10-21",
    });
  });

  it("streams, skipping Azure's prompt filter chunk, with usage at the end", async () => {
    fake.script({ kind: "stream", deltas: ["Hel", "lo"] });
    const outcome = await call({ stream: true, stream_options: { include_usage: true } });
    if (outcome.kind !== "stream") throw new Error("expected a stream");
    const chunks = await collect(outcome.chunks);
    expect(chunks.every((chunk) => chunk.id !== "")).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3 });
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it("passes Azure's 404 for an unknown deployment back with its message", async () => {
    const failure = await call({}, azure({ model: "gpt-5", config: {} })).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      kind: "upstream_http",
      status: 404,
      code: "DeploymentNotFound",
    });
    expect((failure as Error).message).toContain("deployment for this resource does not exist");
  });

  it("passes a wrong key's 401 back without the key", async () => {
    const failure = await call({}, azure({ apiKey: "wrong-key-0123456789" })).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ status: 401, retryable: false });
    expect((failure as Error).message).not.toContain("wrong-key-0123456789");
  });
});
