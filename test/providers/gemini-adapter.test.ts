/** The Gemini adapter against the fake Generative Language API, whole answers and streams. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCompletionChunkSchema } from "../../functions/protocols/openai/chat.ts";
import { adapterFor, ProviderError } from "../../functions/providers/index.ts";
import type { ChatOutcome } from "../../functions/providers/types.ts";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-server.ts";
import { callOptions, chatRequest, collect, target } from "./helpers.ts";

const KEY = "AIzaSy-fake-secret-key-0123456789";
let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
});

const adapter = adapterFor("gemini");
const gemini = (overrides = {}) =>
  target({
    kind: "gemini",
    name: "gemini",
    baseUrl: fake.baseUrl,
    apiKey: KEY,
    model: "gemini-2.5-flash",
    ...overrides,
  });

async function call(overrides = {}, targetOverrides = {}): Promise<ChatOutcome> {
  if (!adapter) throw new Error("no gemini adapter");
  return adapter.chatCompletion(
    chatRequest(overrides),
    gemini(targetOverrides),
    callOptions({ requestId: "req_g" }),
  );
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

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ProviderError))
    throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe("the gemini adapter", () => {
  it("answers a text completion in OpenAI's shape with Gemini's usage", async () => {
    fake.script({
      kind: "complete",
      deltas: ["Paris."],
      thought: "The user asks for a capital.",
      usage: { promptTokenCount: 20, candidatesTokenCount: 3, thoughtsTokenCount: 9 },
    });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]).toMatchObject({
      message: {
        role: "assistant",
        content: "Paris.",
        reasoning_content: "The user asks for a capital.",
      },
      finish_reason: "stop",
    });
    expect(outcome.response.model).toBe("gemini-2.5-flash");
    expect(outcome.response.usage).toMatchObject({
      prompt_tokens: 20,
      completion_tokens: 12,
      total_tokens: 32,
    });
    expect(outcome.usage).toEqual({
      inputTokens: 20,
      outputTokens: 12,
      cachedInputTokens: 0,
      estimated: false,
    });
    const sent = fake.requests.at(-1);
    expect(sent?.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(sent?.headers["x-goog-api-key"]).toBe(KEY);
    expect(sent?.body).toMatchObject({
      systemInstruction: { parts: [{ text: "You are terse." }] },
      contents: [{ role: "user", parts: [{ text: "What is the capital of France?" }] }],
    });
  });

  it("returns function calls as tool calls with stable ids that route the results back", async () => {
    fake.script({
      kind: "complete",
      deltas: [],
      functionCalls: [
        { name: "get_weather", args: { city: "Paris" }, thoughtSignature: "sig-1" },
        { name: "get_weather", args: { city: "Rome" } },
      ],
    });
    const outcome = await call({
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            parameters: { type: "object", properties: { city: { type: "string" } } },
          },
        },
      ],
    });
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    const choice = outcome.response.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    const calls = choice?.message.tool_calls ?? [];
    expect(calls.map((toolCall) => toolCall.id)).toEqual([
      "call_req_g_0__thought__sig-1",
      "call_req_g_1",
    ]);
    expect(
      calls.map((toolCall) => toolCall.type === "function" && toolCall.function.arguments),
    ).toEqual(['{"city":"Paris"}', '{"city":"Rome"}']);

    // The client answers both calls with the ids it got; Gemini sees names and the signature.
    fake.script({ kind: "complete", deltas: ["Sunny in both."] });
    const followUp = await call({
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: calls },
        { role: "tool", tool_call_id: calls[0]?.id ?? "", content: "sunny" },
        { role: "tool", tool_call_id: calls[1]?.id ?? "", content: "sunny" },
      ],
    });
    expect(followUp.kind === "complete" && followUp.response.choices[0]?.message.content).toBe(
      "Sunny in both.",
    );
    expect(fake.requests.at(-1)?.body).toMatchObject({
      contents: [
        { role: "user" },
        {
          role: "model",
          parts: [
            {
              functionCall: { name: "get_weather", args: { city: "Paris" } },
              thoughtSignature: "sig-1",
            },
            { functionCall: { name: "get_weather", args: { city: "Rome" } } },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "get_weather", response: { content: "sunny" } } },
            { functionResponse: { name: "get_weather", response: { content: "sunny" } } },
          ],
        },
      ],
    });
  });

  it.each([
    ["MAX_TOKENS", "length"],
    ["SAFETY", "content_filter"],
    ["RECITATION", "content_filter"],
  ])("maps finishReason %s to %s", async (finishReason, expected) => {
    fake.script({ kind: "complete", finishReason });
    const outcome = await call();
    expect(outcome.kind === "complete" && outcome.response.choices[0]?.finish_reason).toBe(
      expected,
    );
  });

  it("streams text as valid OpenAI chunks and ends with the usage chunk", async () => {
    fake.script({
      kind: "stream",
      deltas: ["Bon", "jour"],
      usage: { promptTokenCount: 7, candidatesTokenCount: 2, cachedContentTokenCount: 4 },
    });
    const { chunks, usage, failure } = await streamed();
    expect(failure).toBeNull();
    for (const chunk of chunks) matchesChunkSchema(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Bonjour");
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 7,
        completion_tokens: 2,
        total_tokens: 9,
        prompt_tokens_details: { cached_tokens: 4 },
      },
    });
    expect(usage).toEqual({
      inputTokens: 7,
      outputTokens: 2,
      cachedInputTokens: 4,
      estimated: false,
    });
    expect(fake.requests.at(-1)?.path).toBe(
      "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
  });

  it("streams a function call as one tool_calls delta with its whole arguments", async () => {
    fake.script({
      kind: "stream",
      deltas: [],
      functionCalls: [{ name: "lookup", args: { q: "x" } }],
    });
    const { chunks, failure } = await streamed();
    expect(failure).toBeNull();
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      {
        index: 0,
        id: "call_req_g_0",
        type: "function",
        function: { name: "lookup", arguments: '{"q":"x"}' },
      },
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("leaves the usage chunk out unless the client asked for it", async () => {
    fake.script({ kind: "stream" });
    const outcome = await call({ stream: true });
    if (outcome.kind !== "stream") throw new Error("expected a stream");
    const chunks = await collect(outcome.chunks);
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    expect(outcome.usage()).toMatchObject({ inputTokens: 12, outputTokens: 4, estimated: false });
  });

  it("ends a stream with Google's mid-stream error", async () => {
    fake.script({ kind: "stream", deltas: ["a", "b", "c"], errorAfter: 2 });
    const { chunks, failure } = await streamed();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("ab");
    expect(failure).toMatchObject({
      kind: "upstream_http",
      status: 503,
      retryable: true,
      type: "UNAVAILABLE",
    });
  });

  it("fails a stream that is cut off before its finishReason, with the usage estimated", async () => {
    fake.script({ kind: "stream", deltas: ["a", "b", "c"], disconnectAfter: 2 });
    const { failure, usage } = await streamed();
    expect(failure).toMatchObject({ kind: "network", status: 502, retryable: true });
    // Google's early chunks count the prompt only; the text generated ("ab") is still billed.
    expect(usage).toMatchObject({ estimated: true, outputTokens: 1 });
    expect(usage.inputTokens).toBeGreaterThan(0);
  });

  it("fails a stream on a chunk that is not JSON", async () => {
    fake.script({ kind: "stream", malformedAfter: 1 });
    const { failure } = await streamed();
    expect(failure).toMatchObject({ kind: "bad_response", status: 502 });
  });

  it("maps an invalid key to 401 without echoing it", async () => {
    const error = await failureOf(call({}, { apiKey: "AIzaSy-wrong-key-000000000" }));
    expect(error).toMatchObject({
      kind: "upstream_http",
      status: 401,
      retryable: false,
      type: "INVALID_ARGUMENT",
      code: "API_KEY_INVALID",
    });
    expect(error.message).toContain("API key not valid");
    expect(error.message).not.toContain("AIzaSy-wrong-key");
  });

  it.each([
    [429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", true],
    [
      400,
      "INVALID_ARGUMENT",
      "* GenerateContentRequest.contents: contents is not specified",
      false,
    ],
    [404, "NOT_FOUND", "models/gemini-9 is not found for API version v1beta", false],
    [500, "INTERNAL", "An internal error has occurred.", true],
  ] as const)(
    "passes Google's %s %s on with its status and message",
    async (code, status, message, retryable) => {
      fake.script({ kind: "error", code, status, message });
      const error = await failureOf(call());
      expect(error).toMatchObject({ kind: "upstream_http", status: code, retryable, type: status });
      expect(error.message).toContain(message);
    },
  );

  it("quotes an error message with the key redacted if Google echoes it", async () => {
    fake.script({
      kind: "error",
      code: 400,
      status: "INVALID_ARGUMENT",
      message: `bad request for key ${KEY}`,
    });
    const error = await failureOf(call());
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain("[redacted]");
  });

  it("refuses an http image URL before calling Gemini", async () => {
    const before = fake.requests.length;
    const error = await failureOf(
      call({
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "http://x.test/a.png" } }],
          },
        ],
      }),
    );
    expect(error).toMatchObject({ status: 400, param: "messages[0].content[0].image_url.url" });
    expect(fake.requests.length).toBe(before);
  });
});

function matchesChunkSchema(chunk: unknown): void {
  expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
}
