import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ChatCompletionChunk,
  chatCompletionChunkSchema,
} from "../../functions/protocols/openai/chat.ts";
import { openAICompatibleAdapter } from "../../functions/providers/openai-compatible/adapter.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { callOptions, chatRequest, collect, fixtureSse, target } from "./helpers.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});

/** Replays a recorded stream in 7-byte pieces, so events arrive split across reads. */
async function replay(fixture: string, includeUsage = true) {
  fake.script({ kind: "raw-sse", body: fixtureSse(fixture), pieceBytes: 7 });
  const request = chatRequest({ stream: true, stream_options: { include_usage: includeUsage } });
  const outcome = await openAICompatibleAdapter.chatCompletion(
    request,
    target({ baseUrl: fake.baseUrl }),
    callOptions(),
  );
  if (outcome.kind !== "stream") throw new Error("expected a stream");
  const chunks = await collect(outcome.chunks);
  return { chunks, usage: outcome.usage() };
}

function content(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

describe("recorded upstream streams", () => {
  it("reassembles OpenAI's text stream and its usage", async () => {
    const { chunks, usage } = await replay("openai-text");
    expect(content(chunks)).toBe("The capital of France is Paris.");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 24, completion_tokens: 7 },
    });
    expect(usage).toEqual({
      inputTokens: 24,
      outputTokens: 7,
      cachedInputTokens: 0,
      estimated: false,
    });
  });

  it("emits only chunks that match OpenAI's chunk schema", async () => {
    const { chunks } = await replay("openai-text");
    for (const chunk of chunks)
      expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
  });

  it("keeps the upstream's chunk id, model and fingerprint", async () => {
    const { chunks } = await replay("openai-text");
    expect(chunks[0]).toMatchObject({
      id: "chatcmpl-BxQ3cV2kLm9TzR1pY8aHn4Wq",
      model: "gpt-4o-mini-2024-07-18",
      created: 1753801234,
      system_fingerprint: "fp_34a54ae93c",
    });
  });

  it("streams parallel tool calls with their arguments in pieces", async () => {
    const { chunks, usage } = await replay("openai-tool-call");
    const args = new Map<number, string>();
    for (const chunk of chunks) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        args.set(call.index, (args.get(call.index) ?? "") + (call.function?.arguments ?? ""));
      }
    }
    expect([...args.values()].map((value) => JSON.parse(value))).toEqual([
      { city: "Paris" },
      { city: "Berlin" },
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(usage.cachedInputTokens).toBe(64);
  });

  it("captures usage sent on the last content chunk and passes reasoning through", async () => {
    const { chunks, usage } = await replay("deepseek-reasoner", false);
    expect(usage).toEqual({
      inputTokens: 13,
      outputTokens: 9,
      cachedInputTokens: 0,
      estimated: false,
    });
    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? "").join("")).toBe(
      "Two plus two is four.",
    );
    expect(content(chunks)).toBe("4");
  });

  it("estimates usage for a server that never reports it", async () => {
    const { chunks, usage } = await replay("ollama-no-usage");
    expect(content(chunks)).toBe("Hi there!");
    expect(usage.estimated).toBe(true);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(usage.outputTokens);
  });
});
