/**
 * The official `openai` SDK calling /v1/chat/completions through the gateway, served by the
 * Gemini adapter against the fake Generative Language API: text and tools, non-streamed and
 * streamed, with usage as Gemini reported it and the cost at gemini-2.5-flash's list price
 * ($0.30 input, $0.03 cached input, $2.50 output per million tokens, @pydantic/genai-prices).
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-server.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

const KEY = "AIzaSy-gateway-test-key-0123456789";
let gateway: TestGateway;
let server: ReturnType<typeof serve>;
let client: OpenAI;
let fake: FakeGemini;

const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};
const MODEL = "gemini/gemini-2.5-flash";
// 14 prompt tokens of which 4 cached, 5 answer tokens and 3 thinking tokens.
const USAGE = {
  promptTokenCount: 14,
  cachedContentTokenCount: 4,
  candidatesTokenCount: 5,
  thoughtsTokenCount: 3,
};
// (14 − 4) × 0.30 + 4 × 0.03 + (5 + 3) × 2.50 = 3 + 0.12 + 20 = 23.12 µUSD.
const COST_NANO_USD = 23_120;

beforeAll(async () => {
  fake = await startFakeGemini({ apiKey: KEY });
  gateway = await startTestGateway();
  const key = await createOrgWithKey(gateway);
  await gateway.admin(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        orgId: key.orgId,
        kind: "gemini",
        name: "gemini",
        baseUrl: fake.baseUrl,
        apiKey: KEY,
      },
    },
  );
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
  await fake?.close();
});

async function recordOf(requestId: string | null) {
  await gateway.services.background.drain();
  const [record] = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.requestId, requestId ?? ""));
  return record;
}

describe("the openai SDK through the gateway to Gemini", () => {
  it("creates a chat completion with Gemini's usage, its cost and a usage record", async () => {
    fake.script({ kind: "complete", deltas: ["Hello", " there"], usage: USAGE });
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        temperature: 0.5,
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello there");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({
      prompt_tokens: 14,
      completion_tokens: 8,
      total_tokens: 22,
      prompt_tokens_details: { cached_tokens: 4 },
    });
    expect(response.headers.get("x-switchyard-cost-usd")).toBe("0.000023120");
    expect(await recordOf(response.headers.get("x-request-id"))).toMatchObject({
      provider: "gemini",
      model: "gemini-2.5-flash",
      inputTokens: 14,
      outputTokens: 8,
      cachedInputTokens: 4,
      usageEstimated: false,
      costNanoUsd: COST_NANO_USD,
      priceKnown: true,
      status: 200,
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { temperature: 0.5 },
    });
  });

  it("streams a chat completion with usage in the last chunk, and records it", async () => {
    fake.script({ kind: "stream", deltas: ["Hello", " there"], usage: USAGE });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
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
    expect(usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 8, total_tokens: 22 });
    expect(await recordOf(response.headers.get("x-request-id"))).toMatchObject({
      inputTokens: 14,
      outputTokens: 8,
      cachedInputTokens: 4,
      costNanoUsd: COST_NANO_USD,
      stream: true,
    });
  });

  it("calls tools, non-streamed, and takes the tool result back", async () => {
    fake.script({
      kind: "complete",
      deltas: [],
      functionCalls: [{ name: "get_weather", args: { city: "Paris" } }],
      usage: USAGE,
    });
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
      tool_choice: "required",
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(fake.requests.at(-1)?.body).toMatchObject({
      tools: [
        {
          functionDeclarations: [
            {
              name: "get_weather",
              parameters: { type: "object", properties: { city: { type: "string" } } },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "ANY" } },
    });

    fake.script({ kind: "complete", deltas: ["18°C in Paris."], usage: USAGE });
    const answer = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "18°C and sunny" },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(answer.choices[0]?.message.content).toBe("18°C in Paris.");
    const sent = fake.requests.at(-1)?.body as { contents: unknown[] };
    expect(sent.contents.at(-1)).toEqual({
      role: "user",
      parts: [
        { functionResponse: { name: "get_weather", response: { content: "18°C and sunny" } } },
      ],
    });
  });

  it("calls tools, streamed, through the SDK's stream helper", async () => {
    fake.script({
      kind: "stream",
      deltas: [],
      functionCalls: [{ name: "get_weather", args: { city: "Paris" }, thoughtSignature: "c2ln" }],
      usage: USAGE,
    });
    const runner = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");

    fake.script({ kind: "complete", deltas: ["Sunny."], usage: USAGE });
    await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: '{"sky":"clear"}' },
      ],
    });
    // The thought signature went back with the call it came with.
    const sent = fake.requests.at(-1)?.body as { contents: unknown[] };
    expect(sent.contents.slice(1)).toEqual([
      {
        role: "model",
        parts: [
          {
            functionCall: { name: "get_weather", args: { city: "Paris" } },
            thoughtSignature: "c2ln",
          },
        ],
      },
      {
        role: "user",
        parts: [{ functionResponse: { name: "get_weather", response: { sky: "clear" } } }],
      },
    ]);
  });

  it("passes Gemini's 429 on as the gateway's 503 and an invalid request as a 400", async () => {
    fake.script({
      kind: "error",
      code: 400,
      status: "INVALID_ARGUMENT",
      message: "Invalid value at 'generation_config.temperature'",
    });
    const failure = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as Error).message).toContain("generation_config.temperature");
    expect((failure as Error).message).not.toContain(KEY);

    fake.script({
      kind: "error",
      code: 429,
      status: "RESOURCE_EXHAUSTED",
      message: "Quota exceeded",
    });
    const limited = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.APIError);
    expect((limited as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });
});
