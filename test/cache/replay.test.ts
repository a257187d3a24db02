/**
 * A completion replayed as chunks and chunks put back together are inverses: what the cache
 * stores from a stream is what it replays, tool calls and several choices included.
 */
import { describe, expect, it } from "vitest";
import { assembleCompletion } from "../../functions/cache/assemble.ts";
import { isReplayable, replayChunks } from "../../functions/cache/replay.ts";
import type { ChatCompletion } from "../../functions/protocols/openai/chat.ts";

const usage = { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 };

const completion: ChatCompletion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [
    { index: 0, message: { role: "assistant", content: "Paris." }, finish_reason: "stop" },
    {
      index: 1,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":1}' } },
          { id: "call_2", type: "function", function: { name: "other", arguments: "{}" } },
        ],
      },
      finish_reason: "tool_calls",
    },
  ],
  usage,
};

function reassembled(chunks: ReturnType<typeof replayChunks>): ChatCompletion | null {
  const assembler = assembleCompletion();
  for (const chunk of chunks) assembler.add(chunk);
  return assembler.completion(usage);
}

describe("replay and assembly", () => {
  it("puts a replayed completion back together unchanged", () => {
    expect(reassembled(replayChunks(completion, null))).toEqual(completion);
  });

  it("ends the replay with a usage chunk only when asked", () => {
    expect(replayChunks(completion, null).some((chunk) => chunk.usage)).toBe(false);
    const last = replayChunks(completion, usage).at(-1);
    expect(last).toMatchObject({ choices: [], usage });
  });

  it("assembles tool-call arguments streamed in pieces", () => {
    const base = { id: "c", object: "chat.completion.chunk" as const, created: 1, model: "m" };
    const assembler = assembleCompletion();
    const pieces = ['{"ci', 'ty":"Par', 'is"}'];
    assembler.add({
      ...base,
      choices: [
        {
          index: 0,
          delta: {
            role: "assistant",
            tool_calls: [{ index: 0, id: "call_9", type: "function", function: { name: "w" } }],
          },
          finish_reason: null,
        },
      ],
    });
    for (const piece of pieces) {
      assembler.add({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] },
            finish_reason: null,
          },
        ],
      });
    }
    assembler.add({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] });
    expect(assembler.completion(usage)?.choices[0]?.message.tool_calls).toEqual([
      { id: "call_9", type: "function", function: { name: "w", arguments: '{"city":"Paris"}' } },
    ]);
  });

  it("is no completion when a choice never finished", () => {
    const unfinished = replayChunks(completion, null).filter(
      (chunk) => !chunk.choices[0]?.finish_reason,
    );
    expect(reassembled(unfinished)).toBeNull();
  });

  it("does not cache an answer with custom tool calls, which a stream cannot carry", () => {
    const custom: ChatCompletion = {
      ...completion,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c1", type: "custom", custom: { name: "sql", input: "select 1" } }],
          },
          finish_reason: "tool_calls",
        },
      ],
    };
    expect(isReplayable(completion)).toBe(true);
    expect(isReplayable(custom)).toBe(false);
  });
});
