/**
 * The official `openai` SDK calling /v1/chat/completions through the gateway, served by each
 * non-OpenAI adapter against its fake upstream: text and tools, non-streamed and streamed, with
 * usage and cost as the upstream reported them.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-server.ts";
import { type FakeAzure, startFakeAzureOpenAI } from "../fakes/azure-openai-server.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let server: ReturnType<typeof serve>;
let client: OpenAI;
let anthropic: FakeAnthropic;
let azure: FakeAzure;

const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

beforeAll(async () => {
  [anthropic, azure] = await Promise.all([
    startFakeAnthropic(),
    startFakeAzureOpenAI({ "gpt-4o": "gpt-4o-2024-08-06" }),
  ]);
  gateway = await startTestGateway();
  const key = await createOrgWithKey(gateway);
  const create = `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`;
  await gateway.admin(create, {
    input: {
      orgId: key.orgId,
      kind: "anthropic",
      name: "claude",
      baseUrl: anthropic.baseUrl,
      apiKey: "sk-ant-fake-0123456789",
    },
  });
  await gateway.admin(create, {
    input: {
      orgId: key.orgId,
      kind: "azure-openai",
      name: "azure",
      baseUrl: azure.baseUrl,
      apiKey: azure.apiKey,
    },
  });
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
  await Promise.all([anthropic?.close(), azure?.close()]);
});

const PROVIDERS = [
  {
    name: "anthropic",
    model: "claude/claude-sonnet-4-20250514",
    scriptText: () =>
      anthropic.script({
        kind: "complete",
        deltas: ["Hello", " there"],
        usage: { input_tokens: 14, output_tokens: 5 },
      }),
    scriptTool: () =>
      anthropic.script({
        kind: "complete",
        deltas: [],
        toolUses: [{ id: "toolu_01", name: "get_weather", input: { city: "Paris" } }],
        usage: { input_tokens: 14, output_tokens: 5 },
      }),
    // $3 / $15 per million tokens: 14 × 3 + 5 × 15 = 117 µUSD.
    cost: "0.000117000",
  },
  {
    name: "azure-openai",
    model: "azure/gpt-4o",
    scriptText: () =>
      azure.script({
        kind: "complete",
        deltas: ["Hello", " there"],
        usage: { prompt_tokens: 14, completion_tokens: 5, total_tokens: 19 },
      }),
    scriptTool: () =>
      azure.script({
        kind: "complete",
        deltas: [],
        toolCalls: [{ id: "call_01", name: "get_weather", arguments: '{"city":"Paris"}' }],
        usage: { prompt_tokens: 14, completion_tokens: 5, total_tokens: 19 },
      }),
    // $2.50 / $10 per million tokens: 14 × 2.5 + 5 × 10 = 85 µUSD.
    cost: "0.000085000",
  },
] as const;

describe.each(PROVIDERS)("the openai SDK through the gateway to $name", (provider) => {
  it("creates a chat completion with the upstream's usage and its cost", async () => {
    provider.scriptText();
    const { data, response } = await client.chat.completions
      .create({ model: provider.model, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello there");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 5, total_tokens: 19 });
    expect(response.headers.get("x-switchyard-cost-usd")).toBe(provider.cost);
  });

  it("streams a chat completion with usage in the last chunk", async () => {
    provider.scriptText();
    const stream = await client.chat.completions.create({
      model: provider.model,
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Hello there");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 5 });
  });

  it("calls tools, non-streamed", async () => {
    provider.scriptTool();
    const completion = await client.chat.completions.create({
      model: provider.model,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
      tool_choice: "auto",
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" ? call.function : null).toEqual({
      name: "get_weather",
      arguments: '{"city":"Paris"}',
    });
  });

  it("calls tools, streamed, and takes the tool result back", async () => {
    provider.scriptTool();
    const runner = client.chat.completions.stream({
      model: provider.model,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });

    provider.scriptText();
    const answer = await client.chat.completions.create({
      model: provider.model,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "18°C and sunny" },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(answer.choices[0]?.message.content).toBe("Hello there");
  });
});

describe("what the upstreams received", () => {
  it("gave Anthropic the tool result as a tool_result block after its tool_use", () => {
    const last = anthropic.requests.at(-1)?.body as { messages: unknown[] };
    expect(last.messages.at(-1)).toEqual({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "18°C and sunny" }],
    });
    expect(anthropic.requests.at(-1)?.headers["x-api-key"]).toBe("sk-ant-fake-0123456789");
  });

  it("called the Azure deployment with its key and an API version", () => {
    expect(azure.requests.at(-1)).toMatchObject({ deployment: "gpt-4o", apiVersion: "2024-10-21" });
  });

  it("refuses n > 1 for Anthropic with a 400 naming the parameter", async () => {
    const failure = await client.chat.completions
      .create({
        model: "claude/claude-sonnet-4-20250514",
        messages: [{ role: "user", content: "x" }],
        n: 2,
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n");
  });
});
