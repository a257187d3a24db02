/**
 * The bedrock adapter against the fake Bedrock Runtime, which checks every request's SigV4
 * signature with the AWS SDK's signer: completions, tools, cache usage, streams, exceptions in
 * the stream, error answers and the record's configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCompletionChunkSchema } from "../../functions/protocols/openai/chat.ts";
import { ProviderError } from "../../functions/providers/errors.ts";
import { adapterFor } from "../../functions/providers/index.ts";
import type { ChatOutcome, ProviderTarget } from "../../functions/providers/types.ts";
import { FAKE_AWS, type FakeBedrock, startFakeBedrock } from "../fakes/bedrock-server.ts";
import { callOptions, chatRequest, target } from "./helpers.ts";

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await startFakeBedrock();
});
afterAll(async () => {
  await fake.close();
});

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const adapter = adapterFor("bedrock");

const bedrock = (overrides: Partial<ProviderTarget> = {}) =>
  target({
    kind: "bedrock",
    name: "aws",
    baseUrl: fake.baseUrl,
    apiKey: FAKE_AWS.secretAccessKey,
    config: { accessKeyId: FAKE_AWS.accessKeyId, region: FAKE_AWS.region },
    model: MODEL,
    ...overrides,
  });

async function call(overrides = {}, to: ProviderTarget = bedrock()): Promise<ChatOutcome> {
  if (!adapter) throw new Error("no bedrock adapter");
  return adapter.chatCompletion(chatRequest(overrides), to, callOptions());
}

async function streamed(overrides = {}) {
  const outcome = await call({
    stream: true,
    stream_options: { include_usage: true },
    ...overrides,
  });
  if (outcome.kind !== "stream") throw new Error("expected a stream");
  const chunks = [];
  let failure: unknown = null;
  try {
    for await (const chunk of outcome.chunks) chunks.push(chunk);
  } catch (error) {
    failure = error;
  }
  return { chunks, usage: outcome.usage(), failure };
}

const text = (chunks: Array<{ choices: Array<{ delta: { content?: string | null } }> }>) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");

describe("the bedrock adapter", () => {
  it("is callable: the registry serves the bedrock kind", () => {
    expect(adapter?.kind).toBe("bedrock");
  });

  it("answers a text completion in OpenAI's shape with Bedrock's usage, over a signed request", async () => {
    fake.script({
      kind: "complete",
      deltas: ["Paris."],
      usage: { inputTokens: 20, outputTokens: 3 },
    });
    const outcome = await call({ max_tokens: 100, temperature: 0.2, stop: ["\n\n"] });
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]).toMatchObject({
      message: { role: "assistant", content: "Paris." },
      finish_reason: "stop",
    });
    expect(outcome.response).toMatchObject({ id: "chatcmpl-req_test", model: MODEL });
    expect(outcome.response.usage).toMatchObject({
      prompt_tokens: 20,
      completion_tokens: 3,
      total_tokens: 23,
    });
    expect(outcome.usage).toEqual({
      inputTokens: 20,
      outputTokens: 3,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      estimated: false,
    });
    const sent = fake.requests.at(-1);
    expect(sent?.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    expect(sent?.modelId).toBe(MODEL);
    expect(sent?.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${FAKE_AWS.accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request, `,
      ),
    );
    expect(sent?.body).toEqual({
      messages: [{ role: "user", content: [{ text: "What is the capital of France?" }] }],
      system: [{ text: "You are terse." }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2, stopSequences: ["\n\n"] },
    });
  });

  it("returns toolUse blocks as tool calls with JSON arguments", async () => {
    fake.script({
      kind: "complete",
      deltas: [],
      toolUses: [{ toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } }],
    });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]).toMatchObject({
      message: {
        content: null,
        tool_calls: [
          {
            id: "tooluse_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      finish_reason: "tool_calls",
    });
  });

  it("counts cache reads and writes into the input, naming each part", async () => {
    fake.script({
      kind: "complete",
      usage: {
        inputTokens: 10,
        outputTokens: 4,
        cacheReadInputTokens: 2000,
        cacheWriteInputTokens: 500,
      },
    });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.usage).toEqual({
      inputTokens: 2510,
      outputTokens: 4,
      cachedInputTokens: 2000,
      cacheWriteInputTokens: 500,
      estimated: false,
    });
    expect(outcome.response.usage).toMatchObject({
      prompt_tokens: 2510,
      prompt_tokens_details: { cached_tokens: 2000 },
    });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
    ["guardrail_intervened", "content_filter"],
    ["content_filtered", "content_filter"],
  ])("maps the stop reason %s to %s", async (stopReason, finish) => {
    fake.script({ kind: "complete", stopReason });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]?.finish_reason).toBe(finish);
  });

  it("streams text as OpenAI chunks from the binary event stream, ending with the usage chunk", async () => {
    fake.script({
      kind: "stream",
      deltas: ["Hel", "lo"],
      usage: { inputTokens: 9, outputTokens: 2 },
    });
    const { chunks, usage, failure } = await streamed();
    expect(failure).toBeNull();
    for (const chunk of chunks)
      expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(text(chunks)).toBe("Hello");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 2 },
    });
    expect(usage).toMatchObject({ inputTokens: 9, outputTokens: 2, estimated: false });
    expect(fake.requests.at(-1)?.operation).toBe("converse-stream");
    expect(fake.requests.at(-1)?.headers.accept).toBe("application/vnd.amazon.eventstream");
  });

  it("streams tool calls with their arguments in pieces", async () => {
    fake.script({
      kind: "stream",
      deltas: [],
      toolUses: [
        { toolUseId: "tooluse_a", name: "get_weather", input: { city: "Paris" } },
        { toolUseId: "tooluse_b", name: "get_weather", input: { city: "Berlin" } },
      ],
    });
    const { chunks, failure } = await streamed();
    expect(failure).toBeNull();
    const calls = new Map<number, { id?: string | null; args: string }>();
    for (const chunk of chunks) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        const seen = calls.get(call.index) ?? { args: "" };
        calls.set(call.index, {
          id: seen.id ?? call.id,
          args: seen.args + (call.function?.arguments ?? ""),
        });
      }
    }
    expect([...calls.entries()]).toEqual([
      [0, { id: "tooluse_a", args: '{"city":"Paris"}' }],
      [1, { id: "tooluse_b", args: '{"city":"Berlin"}' }],
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it.each([
    ["throttlingException", 429, true],
    ["validationException", 400, false],
    ["modelStreamErrorException", 502, true],
    ["internalServerException", 500, true],
    ["serviceUnavailableException", 503, true],
  ])(
    "ends the stream on a %s with a %i provider error, after the text sent so far",
    async (type, status, retryable) => {
      fake.script({
        kind: "stream",
        deltas: ["Once", " upon", " a time"],
        exceptionAfter: { count: 3, type, message: `${type} happened` },
      });
      const { chunks, failure } = await streamed();
      expect(text(chunks)).toBe("Once upon");
      expect(failure).toBeInstanceOf(ProviderError);
      expect(failure).toMatchObject({ kind: "upstream_http", status, retryable, type });
      expect((failure as Error).message).toContain(`${type} happened`);
    },
  );

  it("fails a stream cut off before messageStop like a dropped connection", async () => {
    fake.script({ kind: "stream", deltas: ["a", "b", "c"], disconnectAfter: 3 });
    const { chunks, failure, usage } = await streamed();
    expect(text(chunks)).toBe("ab");
    expect(failure).toMatchObject({ kind: "network", status: 502, retryable: true });
    expect(usage.estimated).toBe(true);
  });

  it("refuses a frame whose checksum does not hold as a bad response", async () => {
    fake.script({ kind: "stream", deltas: ["a", "b"], corruptAfter: 2 });
    const { failure } = await streamed();
    expect(failure).toMatchObject({ kind: "bad_response", status: 502, retryable: false });
    expect((failure as Error).message).toMatch(/checksum/i);
  });

  it.each([
    [400, "ValidationException", "The provided model identifier is invalid.", false],
    [
      403,
      "AccessDeniedException",
      "You don't have access to the model with the specified model ID.",
      false,
    ],
    [404, "ResourceNotFoundException", "Could not resolve the foundation model.", false],
    [408, "ModelTimeoutException", "Model has timed out in processing the request.", true],
    [429, "ThrottlingException", "Too many requests, please wait before trying again.", true],
    [503, "ServiceUnavailableException", "Bedrock is unable to process your request.", true],
  ])(
    "passes a %i %s back with its message and status",
    async (status, type, message, retryable) => {
      fake.script({ kind: "error", status, type, message });
      const failure = await call().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
      expect(failure).toMatchObject({ kind: "upstream_http", status, retryable, type });
      expect((failure as Error).message).toBe(`Provider 'aws' answered ${status}: ${message}`);
    },
  );

  it("never quotes the record's credentials back, even when AWS echoes them", async () => {
    fake.script({
      kind: "error",
      status: 403,
      type: "AccessDeniedException",
      message: `User ${FAKE_AWS.accessKeyId} with secret ${FAKE_AWS.secretAccessKey} is not authorized`,
    });
    const failure = (await call().catch((error: unknown) => error)) as Error;
    expect(failure.message).not.toContain(FAKE_AWS.accessKeyId);
    expect(failure.message).not.toContain(FAKE_AWS.secretAccessKey);
    expect(failure.message).toContain("[redacted]");
  });

  it("is refused by AWS's signature check when the secret key is wrong", async () => {
    fake.script({ kind: "complete" });
    const failure = await call(
      {},
      bedrock({ apiKey: "wrongSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY" }),
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      kind: "upstream_http",
      status: 403,
      type: "InvalidSignatureException",
      retryable: false,
    });
    expect((failure as Error).message).not.toContain("wrongSecretKey");
  });

  it("is refused when the signature names another region", async () => {
    const failure = await call(
      {},
      bedrock({ config: { accessKeyId: FAKE_AWS.accessKeyId, region: "eu-west-1" } }),
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 403, type: "InvalidSignatureException" });
  });

  it("signs and sends a session token for temporary credentials", async () => {
    const temporary = await startFakeBedrock({
      sessionToken: "FwoGZXIvYXdzEFAKESESSIONTOKEN0123456789",
    });
    try {
      temporary.script({ kind: "complete", deltas: ["ok"] });
      const to = bedrock({
        baseUrl: temporary.baseUrl,
        config: {
          accessKeyId: FAKE_AWS.accessKeyId,
          region: FAKE_AWS.region,
          sessionToken: "FwoGZXIvYXdzEFAKESESSIONTOKEN0123456789",
        },
      });
      const outcome = await call({}, to);
      expect(outcome.kind).toBe("complete");
      expect(temporary.requests.at(-1)?.headers["x-amz-security-token"]).toBe(
        "FwoGZXIvYXdzEFAKESESSIONTOKEN0123456789",
      );
      const without = await call({}, bedrock({ baseUrl: temporary.baseUrl })).catch(
        (error: unknown) => error,
      );
      expect(without).toMatchObject({ status: 403, type: "UnrecognizedClientException" });
    } finally {
      await temporary.close();
    }
  });

  it("sends an ARN model id as one percent-encoded path segment", async () => {
    const arn =
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0";
    fake.script({ kind: "complete" });
    const outcome = await call({}, bedrock({ model: arn }));
    expect(outcome.kind).toBe("complete");
    expect(fake.requests.at(-1)?.modelId).toBe(arn);
    expect(fake.requests.at(-1)?.path).toContain("inference-profile%2Fus.anthropic");
  });

  it.each([
    [{ region: "us-east-1" }, "config.accessKeyId"],
    [{ accessKeyId: FAKE_AWS.accessKeyId }, "config.region"],
    [{ accessKeyId: FAKE_AWS.accessKeyId, region: "not a region" }, "invalid config"],
  ])("refuses a record missing what SigV4 needs (%j)", async (config, problem) => {
    const failure = await call({}, bedrock({ config })).catch((error: unknown) => error);
    expect(failure).toMatchObject({ kind: "misconfigured", status: 500, retryable: false });
    expect((failure as Error).message).toContain(problem);
  });

  it("takes the region from a bedrock-runtime host name when config has none", async () => {
    const { buildConverseRequest } = await import("../../functions/providers/bedrock/request.ts");
    const request = await buildConverseRequest(
      chatRequest(),
      bedrock({
        baseUrl: "https://bedrock-runtime.eu-central-1.amazonaws.com",
        config: { accessKeyId: "AKIAX" },
      }),
    );
    expect(request.headers.authorization).toContain("/eu-central-1/bedrock/aws4_request");
  });

  it("refuses an image by URL with a 400 naming the parameter, before calling AWS", async () => {
    const before = fake.requests.length;
    const failure = await call({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          ],
        },
      ],
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400, param: "messages[0].content[1].image_url.url" });
    expect(fake.requests.length).toBe(before);
  });
});
