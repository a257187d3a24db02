import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";
import {
  type ChatCompletionChunk,
  chatCompletionChunkSchema,
  chatCompletionSchema,
} from "../../functions/protocols/openai/chat.ts";
import { ProviderError } from "../../functions/providers/errors.ts";
import { mockAdapter } from "../../functions/providers/mock/adapter.ts";
import { countRequestTokens, countTokens } from "../../functions/providers/tokens.ts";
import { callOptions, chatRequest, collect, target } from "./helpers.ts";

const mock = target({ kind: "mock", name: "mock", baseUrl: null, apiKey: null, model: "echo" });
const noNetwork = callOptions({
  fetch: () => Promise.reject(new Error("the mock provider must not use the network")),
});

async function complete(
  request: ChatCompletionRequest = chatRequest(),
  config: Record<string, unknown> = {},
) {
  const outcome = await mockAdapter.chatCompletion(request, { ...mock, config }, noNetwork);
  if (outcome.kind !== "complete") throw new Error("expected a completion");
  return outcome;
}

async function streamed(request: ChatCompletionRequest) {
  const outcome = await mockAdapter.chatCompletion(request, mock, noNetwork);
  if (outcome.kind !== "stream") throw new Error("expected a stream");
  return { chunks: await collect(outcome.chunks), usage: outcome.usage() };
}

const text = (chunks: ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");

describe("the mock provider's echo model", () => {
  it("echoes the last user message without the network", async () => {
    const { response } = await complete();
    expect(response.choices[0]?.message.content).toBe("Echo: What is the capital of France?");
    expect(chatCompletionSchema.safeParse(response).success).toBe(true);
  });

  it("answers the same request the same way every time", async () => {
    const first = await complete();
    const second = await complete();
    expect(second.response.choices).toEqual(first.response.choices);
    expect(second.usage).toEqual(first.usage);
  });

  it("reports usage counted by the tokenizer, like a real provider", async () => {
    const request = chatRequest();
    const { response, usage } = await complete(request);
    expect(usage).toEqual({
      inputTokens: await countRequestTokens(request),
      outputTokens: await countTokens("Echo: What is the capital of France?"),
      cachedInputTokens: 0,
      estimated: false,
    });
    expect(response.usage).toMatchObject({
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    });
  });

  it("streams the answer as several chunks in OpenAI's format", async () => {
    const { chunks } = await streamed(chatRequest({ stream: true }));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks)
      expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(text(chunks)).toBe("Echo: What is the capital of France?");
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
  });

  it("ends the stream with the usage chunk when asked, matching the non-streamed usage", async () => {
    const { usage: completeUsage } = await complete();
    const { chunks, usage } = await streamed(
      chatRequest({ stream: true, stream_options: { include_usage: true } }),
    );
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: completeUsage.inputTokens },
    });
    expect(usage).toEqual(completeUsage);
  });

  it("stops at max_completion_tokens with finish reason length", async () => {
    const { response, usage } = await complete(chatRequest({ max_completion_tokens: 3 }));
    expect(response.choices[0]?.finish_reason).toBe("length");
    expect(usage.outputTokens).toBe(3);
  });

  it("answers JSON in JSON mode", async () => {
    const { response } = await complete(chatRequest({ response_format: { type: "json_object" } }));
    expect(JSON.parse(response.choices[0]?.message.content ?? "")).toEqual({
      echo: "What is the capital of France?",
    });
  });

  it("gives n choices when asked for n", async () => {
    const { response, usage } = await complete(chatRequest({ n: 2 }));
    expect(response.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(usage.outputTokens).toBe(
      2 * (await countTokens("Echo: What is the capital of France?")),
    );
  });

  it("refuses an unknown model with a final 404", async () => {
    const call = mockAdapter.chatCompletion(chatRequest(), { ...mock, model: "gpt-9" }, noNetwork);
    await expect(call).rejects.toBeInstanceOf(ProviderError);
    await expect(call).rejects.toMatchObject({
      status: 404,
      retryable: false,
      code: "model_not_found",
    });
  });

  it("fails on purpose with the configured status", async () => {
    await expect(complete(chatRequest(), { failStatus: 503 })).rejects.toMatchObject({
      kind: "upstream_http",
      status: 503,
      retryable: true,
    });
  });

  it("gives up its configured latency when the call is aborted", async () => {
    const controller = new AbortController();
    const call = mockAdapter.chatCompletion(
      chatRequest(),
      { ...mock, config: { latencyMs: 600_000 } },
      callOptions({ signal: controller.signal }),
    );
    controller.abort();
    await expect(call).rejects.toMatchObject({ kind: "aborted" });
  });

  it("refuses an invalid config", async () => {
    await expect(complete(chatRequest(), { latencyMs: "slow" })).rejects.toMatchObject({
      kind: "misconfigured",
    });
  });
});
