/**
 * The official `openai` SDK calling /v1/chat/completions through the gateway, served by the
 * bedrock adapter against the fake Bedrock Runtime (which checks every SigV4 signature): text
 * and tools, non-streamed and streamed, with usage and cost as Bedrock reported them.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../functions/config.ts";
import { environmentProviders } from "../../functions/routing/environment-providers.ts";
import { FAKE_AWS, type FakeBedrock, startFakeBedrock } from "../fakes/bedrock-server.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let server: ReturnType<typeof serve>;
let client: OpenAI;
let bedrock: FakeBedrock;

const MODEL = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0";
const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  gateway = await startTestGateway();
  const key = await createOrgWithKey(gateway);
  await gateway.admin(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        orgId: key.orgId,
        kind: "bedrock",
        name: "bedrock",
        baseUrl: bedrock.baseUrl,
        apiKey: FAKE_AWS.secretAccessKey,
        config: { accessKeyId: FAKE_AWS.accessKeyId, region: FAKE_AWS.region },
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
  await bedrock?.close();
});

const scriptText = () =>
  bedrock.script({
    kind: "complete",
    deltas: ["Hello", " there"],
    usage: { inputTokens: 14, outputTokens: 5 },
  });
const scriptTool = () =>
  bedrock.script({
    kind: "complete",
    deltas: [],
    toolUses: [{ toolUseId: "tooluse_01", name: "get_weather", input: { city: "Paris" } }],
    usage: { inputTokens: 14, outputTokens: 5 },
  });

describe("the openai SDK through the gateway to Bedrock", () => {
  it("creates a chat completion with Bedrock's usage and its cost", async () => {
    scriptText();
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello there");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 5, total_tokens: 19 });
    // $3 / $15 per million tokens: 14 × 3 + 5 × 15 = 117 µUSD.
    expect(response.headers.get("x-switchyard-cost-usd")).toBe("0.000117000");
    expect(bedrock.requests.at(-1)?.modelId).toBe("anthropic.claude-3-5-sonnet-20240620-v1:0");
  });

  it("prices an inference profile's cache reads and writes at their own rates", async () => {
    bedrock.script({
      kind: "complete",
      usage: {
        inputTokens: 100,
        outputTokens: 50,
        cacheReadInputTokens: 2000,
        cacheWriteInputTokens: 1000,
      },
    });
    const { data, response } = await client.chat.completions
      .create({
        model: "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        messages: [{ role: "user", content: "Hi" }],
      })
      .withResponse();
    expect(data.usage).toMatchObject({
      prompt_tokens: 3100,
      completion_tokens: 50,
      prompt_tokens_details: { cached_tokens: 2000 },
    });
    // 100 × $3 + 2000 × $0.30 (read) + 1000 × $3.75 (write) + 50 × $15, per million = 5400 µUSD.
    expect(response.headers.get("x-switchyard-cost-usd")).toBe("0.005400000");
  });

  it("streams a chat completion with usage in the last chunk", async () => {
    scriptText();
    const stream = await client.chat.completions.create({
      model: MODEL,
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
    expect(bedrock.requests.at(-1)?.operation).toBe("converse-stream");
  });

  it("calls tools, non-streamed", async () => {
    scriptTool();
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
      tool_choice: "required",
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" ? call.function : null).toEqual({
      name: "get_weather",
      arguments: '{"city":"Paris"}',
    });
    expect(bedrock.requests.at(-1)?.body).toMatchObject({
      toolConfig: { toolChoice: { any: {} }, tools: [{ toolSpec: { name: "get_weather" } }] },
    });
  });

  it("calls tools, streamed, and takes the tool result back", async () => {
    scriptTool();
    const runner = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.id).toBe("tooluse_01");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });

    scriptText();
    const answer = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "18°C and sunny" },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(answer.choices[0]?.message.content).toBe("Hello there");
    const sent = bedrock.requests.at(-1)?.body as { messages: unknown[] };
    expect(sent.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "tooluse_01", name: "get_weather", input: { city: "Paris" } } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "tooluse_01", content: [{ text: "18°C and sunny" }] } },
        ],
      },
    ]);
  });

  it("passes Bedrock's 400 back in OpenAI's error shape with its message", async () => {
    bedrock.script({
      kind: "error",
      status: 400,
      type: "ValidationException",
      message:
        "The model returned the following errors: messages: text content blocks must be non-empty",
    });
    const failure = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "Hi" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as Error).message).toContain("text content blocks must be non-empty");
    expect((failure as Error).message).not.toContain(FAKE_AWS.secretAccessKey);
  });

  it("refuses an image by URL with a 400 naming the parameter", async () => {
    const failure = await client.chat.completions
      .create({
        model: MODEL,
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(
      "messages[0].content[0].image_url.url",
    );
  });
});

describe("Bedrock from the environment", () => {
  it("is a global provider when the AWS variables are set, with the key id, token and region in config", () => {
    const config = loadConfig({
      AWS_SECRET_ACCESS_KEY: FAKE_AWS.secretAccessKey,
      AWS_ACCESS_KEY_ID: FAKE_AWS.accessKeyId,
      AWS_SESSION_TOKEN: "FwoGZXIvYXdzEFAKESESSIONTOKEN0123456789",
      AWS_REGION: "eu-west-3",
    });
    expect(environmentProviders(config).find((provider) => provider.kind === "bedrock")).toEqual({
      id: null,
      orgId: null,
      kind: "bedrock",
      name: "bedrock",
      baseUrl: null,
      apiKey: FAKE_AWS.secretAccessKey,
      config: {
        accessKeyId: FAKE_AWS.accessKeyId,
        sessionToken: "FwoGZXIvYXdzEFAKESESSIONTOKEN0123456789",
        region: "eu-west-3",
      },
    });
  });
});
