import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCompletionChunkSchema } from "../../functions/protocols/openai/chat.ts";
import { adapterFor } from "../../functions/providers/index.ts";
import type { ChatOutcome } from "../../functions/providers/types.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-server.ts";
import { callOptions, chatRequest, collect, target } from "./helpers.ts";

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

const adapter = adapterFor("anthropic");
const claude = () =>
  target({
    kind: "anthropic",
    name: "claude",
    baseUrl: fake.baseUrl,
    apiKey: "sk-ant-secret-123456",
    model: "claude-sonnet-4-20250514",
  });

async function call(overrides = {}): Promise<ChatOutcome> {
  if (!adapter) throw new Error("no anthropic adapter");
  return adapter.chatCompletion(chatRequest(overrides), claude(), callOptions());
}

async function streamed(overrides = {}) {
  const outcome = await call({
    stream: true,
    stream_options: { include_usage: true },
    ...overrides,
  });
  if (outcome.kind !== "stream") throw new Error("expected a stream");
  return { chunks: await collect(outcome.chunks), usage: outcome.usage() };
}

describe("the anthropic adapter", () => {
  it("answers a text completion in OpenAI's shape with Anthropic's usage", async () => {
    fake.script({
      kind: "complete",
      deltas: ["Paris."],
      usage: { input_tokens: 20, output_tokens: 3 },
    });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]).toMatchObject({
      message: { role: "assistant", content: "Paris." },
      finish_reason: "stop",
    });
    expect(outcome.response.model).toBe("claude-sonnet-4-20250514");
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
    expect(sent?.path).toBe("/v1/messages");
    expect(sent?.headers["x-api-key"]).toBe("sk-ant-secret-123456");
    expect(sent?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent?.body).toMatchObject({ system: "You are terse.", max_tokens: 4096 });
  });

  it("returns tool_use blocks as tool calls with JSON arguments", async () => {
    fake.script({
      kind: "complete",
      deltas: [],
      toolUses: [{ id: "toolu_1", name: "get_weather", input: { city: "Paris" } }],
    });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]).toMatchObject({
      message: {
        content: null,
        tool_calls: [
          {
            id: "toolu_1",
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
        input_tokens: 10,
        output_tokens: 4,
        cache_read_input_tokens: 2000,
        cache_creation_input_tokens: 500,
      },
    });
    const outcome = await call();
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.usage).toMatchObject({
      inputTokens: 2510,
      cachedInputTokens: 2000,
      cacheWriteInputTokens: 500,
    });
    expect(outcome.response.usage).toMatchObject({
      prompt_tokens: 2510,
      prompt_tokens_details: { cached_tokens: 2000 },
    });
  });

  it("streams text as OpenAI chunks, ending with the usage chunk the client asked for", async () => {
    fake.script({
      kind: "stream",
      deltas: ["Hel", "lo"],
      usage: { input_tokens: 9, output_tokens: 2 },
    });
    const { chunks, usage } = await streamed();
    for (const chunk of chunks)
      expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 2 },
    });
    expect(usage).toMatchObject({ inputTokens: 9, outputTokens: 2, estimated: false });
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true });
  });

  it("keeps the connection for the pool after message_stop, instead of closing it", async () => {
    // The upstream holds its body's end until after the stream is over for the client.
    fake.script({ kind: "stream", deltas: ["a"], holdEnd: true });
    const { chunks } = await streamed();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("a");
    fake.releaseEnds();
    // Reading the end out is background work of the adapter's; closing would show by now too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests.at(-1)?.connectionOpen()).toBe(true);
  });

  it("streams tool calls with their arguments in pieces", async () => {
    fake.script({
      kind: "stream",
      deltas: [],
      toolUses: [
        { id: "toolu_a", name: "get_weather", input: { city: "Paris" } },
        { id: "toolu_b", name: "get_weather", input: { city: "Berlin" } },
      ],
    });
    const { chunks } = await streamed();
    const args = new Map<number, string>();
    for (const chunk of chunks) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        args.set(delta.index, (args.get(delta.index) ?? "") + (delta.function?.arguments ?? ""));
      }
    }
    expect([...args.values()].map((text) => JSON.parse(text))).toEqual([
      { city: "Paris" },
      { city: "Berlin" },
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("passes a provider 4xx back with the provider's message and no secret", async () => {
    fake.script({
      kind: "error",
      status: 400,
      type: "invalid_request_error",
      message: "messages.0: bad input for key sk-ant-secret-123456",
    });
    const failure = await call().catch((error: unknown) => error);
    expect(failure).toMatchObject({
      kind: "upstream_http",
      status: 400,
      retryable: false,
      type: "invalid_request_error",
    });
    expect((failure as Error).message).toContain("messages.0: bad input");
    expect((failure as Error).message).not.toContain("sk-ant-secret-123456");
  });

  it("reports 5xx and Anthropic's 529 overload as retryable provider errors", async () => {
    fake.script(
      { kind: "error", status: 500, type: "api_error", message: "Internal server error" },
      { kind: "error", status: 529, type: "overloaded_error", message: "Overloaded" },
    );
    await expect(call()).rejects.toMatchObject({ status: 500, retryable: true });
    await expect(call()).rejects.toMatchObject({ status: 529, retryable: true });
  });

  it("ends a stream with a provider error when Anthropic sends an error event", async () => {
    fake.script({ kind: "stream", deltas: ["a", "b", "c"], errorAfter: 4 });
    const outcome = await call({ stream: true });
    if (outcome.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(outcome.chunks)).rejects.toMatchObject({ status: 529, retryable: true });
  });

  it("ends a stream with a bad_response error on a malformed event", async () => {
    fake.script({ kind: "stream", malformedAfter: 3 });
    const outcome = await call({ stream: true });
    if (outcome.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(outcome.chunks)).rejects.toMatchObject({
      kind: "bad_response",
      status: 502,
    });
  });

  it("fails a stream cut off before message_stop like a dropped connection", async () => {
    fake.script({ kind: "stream", disconnectAfter: 4 });
    const outcome = await call({ stream: true });
    if (outcome.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(outcome.chunks)).rejects.toMatchObject({ status: 502, retryable: true });
  });

  it("refuses n > 1 before calling Anthropic", async () => {
    const before = fake.requests.length;
    await expect(call({ n: 3 })).rejects.toMatchObject({ status: 400, param: "n" });
    expect(fake.requests.length).toBe(before);
  });
});
