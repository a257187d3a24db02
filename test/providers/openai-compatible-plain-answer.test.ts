import { describe, expect, it } from "vitest";
import {
  isPlainChunk,
  isPlainCompletion,
} from "../../functions/providers/openai-compatible/plain-answer.ts";
import { upstreamCompletionSchema } from "../../functions/providers/openai-compatible/response.ts";
import { upstreamChunkSchema } from "../../functions/providers/openai-compatible/stream.ts";
import { completion, streamEvents } from "../fakes/openai-server.ts";

const usage = {
  prompt_tokens: 12,
  completion_tokens: 3,
  total_tokens: 15,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};
const badUsages: unknown[] = [
  [],
  { prompt_tokens: -1 },
  { prompt_tokens: "12" },
  { completion_tokens: 1.5 },
  { total_tokens: {} },
  { prompt_tokens_details: [] },
  { prompt_tokens_details: { cached_tokens: -2 } },
  { completion_tokens_details: "none" },
  { completion_tokens_details: { reasoning_tokens: "0" } },
];

const chunk = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta: { content: "hi" }, logprobs: null, finish_reason: null }],
};
const withDelta = (choice: Record<string, unknown>) => ({ ...chunk, choices: [choice] });

const plainChunks: unknown[] = [
  chunk,
  { ...chunk, usage: null, system_fingerprint: "fp", service_tier: "default" },
  { ...chunk, choices: [], usage },
  { ...chunk, choices: null, id: null, created: null, model: null },
  withDelta({ delta: { role: "assistant", content: "", refusal: null } }),
  withDelta({ index: 2, delta: {}, finish_reason: "stop" }),
  withDelta({ index: 0, delta: null, finish_reason: "weird_reason", extra: { a: 1 } }),
  ...streamEvents("m", {}, true).map((data) => JSON.parse(data)),
];

const otherChunks: unknown[] = [
  null,
  [],
  "chunk",
  { ...chunk, id: 1 },
  { ...chunk, created: "1" },
  { ...chunk, model: {} },
  { ...chunk, system_fingerprint: 1 },
  { ...chunk, choices: {} },
  { ...chunk, choices: [null] },
  ...badUsages.map((bad) => ({ ...chunk, usage: bad })),
  withDelta({ index: -1, delta: { content: "x" } }),
  withDelta({ index: 0.5, delta: { content: "x" } }),
  withDelta({ index: "0", delta: { content: "x" } }),
  withDelta({ index: 0, delta: { content: 1 } }),
  withDelta({ index: 0, delta: { role: 1 } }),
  withDelta({ index: 0, delta: { refusal: false } }),
  withDelta({ index: 0, delta: [] }),
  withDelta({ index: 0, delta: { tool_calls: [] } }),
  withDelta({ index: 0, delta: {}, finish_reason: 3 }),
];

const answer = completion("m", {});
const withMessage = (choice: Record<string, unknown>) => ({ ...answer, choices: [choice] });

const plainCompletions: unknown[] = [
  answer,
  { ...answer, usage: null, choices: [] },
  { ...answer, usage, system_fingerprint: "fp", service_tier: null },
  withMessage({ message: { role: "assistant", content: null, refusal: "no" } }),
  withMessage({ index: 1, message: {}, finish_reason: "length", logprobs: { content: [] } }),
];

const otherCompletions: unknown[] = [
  null,
  { ...answer, choices: undefined },
  { ...answer, choices: {} },
  { ...answer, id: 3 },
  ...badUsages.map((bad) => ({ ...answer, usage: bad })),
  withMessage({ index: 0 }),
  withMessage({ index: 0, message: null }),
  withMessage({ index: -1, message: { content: "x" } }),
  withMessage({ index: 0, message: { content: 7 } }),
  withMessage({ index: 0, message: { content: "x", tool_calls: [] } }),
  withMessage({ index: 0, message: { content: "x" }, finish_reason: false }),
  completion("m", { toolCalls: [{ id: "call_1", name: "f", arguments: "{}" }] }),
];

describe("the hand-checked upstream answers", () => {
  it("accept the common chunks and completions, each as the schema would return it", () => {
    for (const json of plainChunks) {
      expect(isPlainChunk(json), JSON.stringify(json)).toBe(true);
      expect(upstreamChunkSchema.parse(json)).toEqual(json);
    }
    for (const json of plainCompletions) {
      expect(isPlainCompletion(json), JSON.stringify(json)).toBe(true);
      expect(upstreamCompletionSchema.parse(json)).toEqual(json);
    }
  });

  it("leave everything else to the schema", () => {
    for (const json of otherChunks) expect(isPlainChunk(json), JSON.stringify(json)).toBe(false);
    for (const json of otherCompletions)
      expect(isPlainCompletion(json), JSON.stringify(json)).toBe(false);
  });

  it("are never looser than the schema", () => {
    for (const json of [...plainChunks, ...otherChunks])
      if (isPlainChunk(json)) expect(upstreamChunkSchema.safeParse(json).success).toBe(true);
    for (const json of [...plainCompletions, ...otherCompletions])
      if (isPlainCompletion(json))
        expect(upstreamCompletionSchema.safeParse(json).success).toBe(true);
  });
});
