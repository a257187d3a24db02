/** A Chat Completions stream becomes the full Anthropic event sequence, chunk by chunk. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createMessageStreamTranslator,
  toMessageEvents,
} from "../../../functions/protocols/anthropic/from-chat-chunks.ts";
import type { MessageStreamEvent } from "../../../functions/protocols/anthropic/stream-events.ts";
import {
  type ChatCompletionChunk,
  chatCompletionChunkSchema,
} from "../../../functions/protocols/openai/chat.ts";
import type { Usage } from "../../../functions/providers/types.ts";

const identity = { fallbackId: "req-1", stopSequences: ["END"] };

function chunk(
  delta: ChatCompletionChunk["choices"][number]["delta"],
  finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null,
  extra: Record<string, unknown> = {},
): ChatCompletionChunk {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{ index: 0, delta, finish_reason: finish, ...extra }],
  };
}

function usageChunk(prompt: number, completion: number, cached = 0): ChatCompletionChunk {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached },
    },
  };
}

function translateAll(chunks: ChatCompletionChunk[], usage: Usage | null = null) {
  const translator = createMessageStreamTranslator(identity);
  return [...chunks.flatMap((item) => translator.push(item)), ...translator.finish(usage)];
}

const types = (events: MessageStreamEvent[]) => events.map((event) => event.type);

describe("Chat Completions chunks → Anthropic stream events", () => {
  it("streams text as message_start, one text block with ping, message_delta, message_stop", () => {
    const events = translateAll([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hello" }),
      chunk({ content: ", world" }),
      chunk({}, "stop"),
      usageChunk(12, 3),
    ]);
    expect(types(events)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]).toMatchObject({
      message: { id: "msg_chatcmpl-1", model: "gpt-4o-mini", role: "assistant", content: [] },
    });
    expect(events[1]).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    expect(events[4]).toEqual({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: ", world" },
    });
    expect(events[6]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: {
        input_tokens: 12,
        output_tokens: 3,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it("emits each chunk's events as it arrives, holding nothing back", () => {
    const translator = createMessageStreamTranslator(identity);
    expect(types(translator.push(chunk({ role: "assistant", content: "Hi" })))).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
    ]);
    expect(types(translator.push(chunk({ content: " there" })))).toEqual(["content_block_delta"]);
    expect(types(translator.push(chunk({}, "length")))).toEqual(["content_block_stop"]);
    const end = translator.finish(null);
    expect(end[0]).toMatchObject({ type: "message_delta", delta: { stop_reason: "max_tokens" } });
  });

  it("streams text then parallel tool calls as sequential blocks with input_json_delta", () => {
    const events = translateAll([
      chunk({ role: "assistant", content: "Checking." }),
      chunk({
        tool_calls: [
          {
            index: 0,
            id: "call_a",
            type: "function",
            function: { name: "weather", arguments: "" },
          },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({
        tool_calls: [
          { index: 1, id: "call_b", type: "function", function: { name: "time", arguments: "{}" } },
        ],
      }),
      chunk({}, "tool_calls"),
    ]);
    expect(events.filter((event) => event.type !== "ping")).toEqual([
      expect.objectContaining({ type: "message_start" }),
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking." } },
      { type: "content_block_stop", index: 0 },
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "call_a", name: "weather", input: {} },
      },
      {
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: '{"city":' },
      },
      {
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: '"Paris"}' },
      },
      { type: "content_block_stop", index: 1 },
      {
        type: "content_block_start",
        index: 2,
        content_block: { type: "tool_use", id: "call_b", name: "time", input: {} },
      },
      {
        type: "content_block_delta",
        index: 2,
        delta: { type: "input_json_delta", partial_json: "{}" },
      },
      { type: "content_block_stop", index: 2 },
      expect.objectContaining({
        type: "message_delta",
        delta: { stop_reason: "tool_use", stop_sequence: null },
      }),
      { type: "message_stop" },
    ]);
  });

  it("reports the billed usage given at the end over the stream's own, cached reads apart", () => {
    const events = translateAll([chunk({ content: "x" }, "stop"), usageChunk(10, 1)], {
      inputTokens: 50,
      outputTokens: 7,
      cachedInputTokens: 40,
      estimated: false,
    });
    expect(events.at(-2)).toMatchObject({
      type: "message_delta",
      usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 40 },
    });
  });

  it("uses the stream's usage chunk when no billed usage is given, with cached tokens apart", () => {
    const events = translateAll([chunk({ content: "x" }, "stop"), usageChunk(30, 2, 20)]);
    expect(events.at(-2)).toMatchObject({
      usage: { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 20 },
    });
  });

  it("reports a matched stop sequence the upstream names", () => {
    const events = translateAll([
      chunk({ content: "x" }),
      chunk({}, "stop", { stop_reason: "END" }),
    ]);
    expect(events.at(-2)).toMatchObject({
      delta: { stop_reason: "stop_sequence", stop_sequence: "END" },
    });
  });

  it("streams a refusal as text with stop_reason refusal", () => {
    const events = translateAll([chunk({ refusal: "No." }), chunk({}, "stop")]);
    expect(events).toContainEqual({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: "No." },
    });
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: "refusal" } });
  });

  it("still sends a complete message for an upstream stream with no chunks", () => {
    expect(types(translateAll([]))).toEqual(["message_start", "message_delta", "message_stop"]);
  });

  it("translates a recorded OpenAI stream of two tool calls into two tool_use blocks", async () => {
    const recorded = readFileSync(
      new URL(
        "../../../functions/providers/__fixtures__/openai-tool-call.chunks.txt",
        import.meta.url,
      ),
      "utf8",
    );
    const chunks = recorded
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => chatCompletionChunkSchema.parse(JSON.parse(line)));
    async function* upstream() {
      yield* chunks;
    }
    const events: MessageStreamEvent[] = [];
    for await (const event of toMessageEvents(upstream(), identity, () => null)) events.push(event);
    const inputs = new Map<number, string>();
    for (const event of events) {
      if (event.type === "content_block_delta" && event.delta.type === "input_json_delta") {
        inputs.set(event.index, (inputs.get(event.index) ?? "") + event.delta.partial_json);
      }
    }
    expect([...inputs.values()].map((text) => JSON.parse(text))).toEqual([
      { city: "Paris" },
      { city: "Berlin" },
    ]);
    expect(events.at(-2)).toMatchObject({
      usage: { input_tokens: 17, output_tokens: 46, cache_read_input_tokens: 64 },
    });
    expect(events.at(-2)).toMatchObject({
      type: "message_delta",
      delta: { stop_reason: "tool_use" },
    });
    expect(events.at(-1)).toEqual({ type: "message_stop" });
  });
});
