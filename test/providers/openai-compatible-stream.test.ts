import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../functions/protocols/openai/chat.ts";
import { ProviderError } from "../../functions/providers/errors.ts";
import { openAICompatibleAdapter } from "../../functions/providers/openai-compatible/adapter.ts";
import { countTokens } from "../../functions/providers/tokens.ts";
import type { CallOptions, ChatOutcome } from "../../functions/providers/types.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { callOptions, chatRequest, collect, target } from "./helpers.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

async function stream(
  request = chatRequest({ stream: true }),
  options: Partial<CallOptions> = {},
): Promise<Extract<ChatOutcome, { kind: "stream" }>> {
  const outcome = await openAICompatibleAdapter.chatCompletion(
    request,
    target({ baseUrl: fake.baseUrl }),
    callOptions(options),
  );
  if (outcome.kind !== "stream") throw new Error("expected a stream");
  return outcome;
}

function text(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error("expected a ProviderError");
}

describe("streaming from an OpenAI-compatible upstream", () => {
  it("keeps the connection for the pool after [DONE], instead of closing it", async () => {
    // The upstream holds its body's end until after the stream is over for the client.
    fake.script({ kind: "stream", deltas: ["a"], afterDone: "" });
    expect(text(await collect((await stream()).chunks))).toBe("a");
    fake.release();
    expect(await fake.requests.at(-1)?.closed).toEqual({ aborted: false });
    // Reading the end out is background work of the adapter's; closing would show by now too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests.at(-1)?.connectionOpen()).toBe(true);
  });

  it("closes a body that goes on after [DONE] once more than 64 KiB of it came", async () => {
    const padding = `: ${"x".repeat(1022)}\n`.repeat(70); // 70 KiB of SSE comments
    fake.script({ kind: "stream", deltas: ["a"], afterDone: padding });
    const chunks = await collect((await stream()).chunks);
    expect(text(chunks)).toBe("a");
    // The upstream still holds its body open: the drain gave up and closed the connection.
    expect(await fake.requests.at(-1)?.closed).toEqual({ aborted: true });
    fake.release();
  });

  it("hands over the first chunks before the upstream has finished", async () => {
    fake.script({ kind: "stream", deltas: ["Hel", "lo"], holdAfter: 2 });
    const outcome = await stream();
    const iterator = outcome.chunks[Symbol.asyncIterator]();
    // The upstream is holding after two chunks: both must arrive while it still holds.
    const first = await iterator.next();
    const second = await iterator.next();
    expect(first.value?.choices[0]?.delta.role).toBe("assistant");
    expect(second.value?.choices[0]?.delta.content).toBe("Hel");
    fake.release();
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(text(rest)).toBe("lo");
  });

  it("asks the upstream for usage even when the client did not", async () => {
    fake.script({ kind: "stream" });
    await collect((await stream()).chunks);
    expect(fake.requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("captures the usage the upstream reports", async () => {
    fake.script({
      kind: "stream",
      usage: {
        prompt_tokens: 30,
        completion_tokens: 4,
        total_tokens: 34,
        prompt_tokens_details: { cached_tokens: 10 },
      },
    });
    const outcome = await stream();
    await collect(outcome.chunks);
    expect(outcome.usage()).toEqual({
      inputTokens: 30,
      outputTokens: 4,
      cachedInputTokens: 10,
      estimated: false,
    });
  });

  it("ends with the usage chunk when the client asked for usage", async () => {
    fake.script({ kind: "stream" });
    const chunks = await collect(
      (await stream(chatRequest({ stream: true, stream_options: { include_usage: true } }))).chunks,
    );
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
  });

  it("sends no usage chunk when the client did not ask for usage", async () => {
    fake.script({ kind: "stream" });
    const chunks = await collect((await stream()).chunks);
    expect(chunks.every((chunk) => chunk.choices.length > 0 && chunk.usage === undefined)).toBe(
      true,
    );
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("estimates usage with the tokenizer when the stream ends without usage", async () => {
    fake.script({ kind: "stream", deltas: ["Hello", ", world"], usage: null });
    const request = chatRequest({ stream: true, stream_options: { include_usage: true } });
    const outcome = await stream(request);
    const chunks = await collect(outcome.chunks);
    const usage = outcome.usage();
    expect(usage.estimated).toBe(true);
    expect(usage.outputTokens).toBe(await countTokens("Hello, world"));
    expect(usage.inputTokens).toBeGreaterThan(10);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(usage.outputTokens);
  });

  it("fails with a bad_response error on a malformed chunk", async () => {
    fake.script({ kind: "stream", malformedAfter: 2 });
    const outcome = await stream();
    const error = await rejection(collect(outcome.chunks));
    expect(error).toMatchObject({ kind: "bad_response", retryable: false });
    expect(error.message).toContain("not JSON");
  });

  it("fails with a retryable network error when the upstream disconnects mid-stream", async () => {
    fake.script({ kind: "stream", deltas: ["a", "b", "c"], disconnectAfter: 2 });
    const outcome = await stream();
    const received: ChatCompletionChunk[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of outcome.chunks) received.push(chunk);
      })(),
    );
    expect(error).toMatchObject({ kind: "network", retryable: true });
    expect(text(received)).toBe("a");
    expect(outcome.usage()).toMatchObject({ estimated: true, outputTokens: 1 });
  });

  it("closes the upstream connection when the reader stops early", async () => {
    fake.script({ kind: "stream", holdAfter: 1 });
    const outcome = await stream();
    const iterator = outcome.chunks[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    expect(await fake.requests[0]?.closed).toEqual({ aborted: true });
    expect(outcome.usage().estimated).toBe(true);
  });

  it("stops the stream and the upstream when the call is aborted", async () => {
    fake.script({ kind: "stream", holdAfter: 1 });
    const controller = new AbortController();
    const outcome = await stream(undefined, { signal: controller.signal });
    const iterator = outcome.chunks[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    controller.abort();
    expect(await rejection(pending)).toMatchObject({ kind: "aborted", retryable: false });
    expect(await fake.requests[0]?.closed).toEqual({ aborted: true });
  });

  it("times out while the upstream withholds its first byte", async () => {
    fake.script({ kind: "stream", holdFirstByte: true });
    const error = await rejection(stream(undefined, { signal: AbortSignal.timeout(50) }));
    expect(error).toMatchObject({ kind: "timeout", status: 504, retryable: true });
    fake.release();
  });

  it("reports an upstream refusal before the stream as an HTTP error", async () => {
    fake.script({
      kind: "error",
      status: 429,
      message: "Rate limit reached",
      type: "requests",
      headers: { "retry-after": "2" },
    });
    const error = await rejection(stream());
    expect(error).toMatchObject({
      kind: "upstream_http",
      status: 429,
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(error.message).toContain("Rate limit reached");
  });

  it("refuses a JSON answer to a streaming request", async () => {
    fake.script({ kind: "complete" });
    const error = await rejection(stream());
    expect(error).toMatchObject({ kind: "bad_response" });
  });

  it("turns an error event inside the stream into an upstream error", async () => {
    const body = `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\ndata: {"error":{"message":"overloaded","code":503}}\n\n`;
    fake.script({ kind: "raw-sse", body });
    const error = await rejection(collect((await stream()).chunks));
    expect(error).toMatchObject({ kind: "upstream_http", status: 503, retryable: true });
    expect(error.message).toContain("overloaded");
  });
});

describe("non-streamed calls to an OpenAI-compatible upstream", () => {
  it("sends the deployment's model and the provider's key", async () => {
    fake.script({ kind: "complete" });
    await openAICompatibleAdapter.chatCompletion(
      chatRequest({ model: "my-alias" }),
      target({ baseUrl: fake.baseUrl, model: "gpt-4.1-mini", apiKey: "sk-fake-upstream-key" }),
      callOptions(),
    );
    const recorded = fake.requests[0];
    expect(recorded?.path).toBe("/v1/chat/completions");
    expect(recorded?.headers.authorization).toBe("Bearer sk-fake-upstream-key");
    expect(recorded?.body).toMatchObject({
      model: "gpt-4.1-mini",
      messages: chatRequest().messages,
    });
  });

  it("returns the completion and its usage", async () => {
    fake.script({ kind: "complete", deltas: ["Paris."] });
    const outcome = await openAICompatibleAdapter.chatCompletion(
      chatRequest(),
      target({ baseUrl: fake.baseUrl }),
      callOptions(),
    );
    expect(outcome.kind).toBe("complete");
    if (outcome.kind !== "complete") return;
    expect(outcome.response.choices[0]?.message.content).toBe("Paris.");
    expect(outcome.usage).toEqual({
      inputTokens: 12,
      outputTokens: 3,
      cachedInputTokens: 0,
      estimated: false,
    });
  });

  it("returns tool calls with finish reason tool_calls", async () => {
    fake.script({
      kind: "complete",
      toolCalls: [{ id: "call_9", name: "lookup", arguments: '{"q":"x"}' }],
    });
    const outcome = await openAICompatibleAdapter.chatCompletion(
      chatRequest(),
      target({ baseUrl: fake.baseUrl }),
      callOptions(),
    );
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    expect(outcome.response.choices[0]?.finish_reason).toBe("tool_calls");
    expect(outcome.response.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: "call_9",
      function: { name: "lookup" },
    });
  });

  it("estimates usage when the upstream reports none", async () => {
    fake.script({ kind: "complete", deltas: ["Paris."], usage: null });
    const outcome = await openAICompatibleAdapter.chatCompletion(
      chatRequest(),
      target({ baseUrl: fake.baseUrl }),
      callOptions(),
    );
    expect(outcome.kind === "complete" && outcome.usage).toMatchObject({
      estimated: true,
      outputTokens: await countTokens("Paris."),
    });
  });

  it("reports an unreachable upstream as a retryable network error", async () => {
    const gone = await startFakeOpenAI();
    await gone.close();
    const error = await rejection(
      openAICompatibleAdapter.chatCompletion(
        chatRequest(),
        target({ baseUrl: gone.baseUrl }),
        callOptions(),
      ),
    );
    expect(error).toMatchObject({ kind: "network", retryable: true });
  });

  it("maps an authentication failure without leaking the key", async () => {
    fake.script({
      kind: "error",
      status: 401,
      message: "Incorrect API key provided: sk-test-secret-key-123456",
      code: "invalid_api_key",
    });
    const error = await rejection(
      openAICompatibleAdapter.chatCompletion(
        chatRequest(),
        target({ baseUrl: fake.baseUrl }),
        callOptions(),
      ),
    );
    expect(error).toMatchObject({ status: 401, retryable: false, code: "invalid_api_key" });
    expect(error.message).not.toContain("sk-test-secret-key-123456");
  });
});
