import { describe, expect, it } from "vitest";
import { isPlainChunk } from "../../functions/providers/openai-compatible/plain-chunk.ts";
import { upstreamChunkSchema } from "../../functions/providers/openai-compatible/stream.ts";
import { streamEvents } from "../fakes/openai-server.ts";

const fakeChunks = streamEvents("m", {}, true).map((data) => JSON.parse(data));

const base = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta: { content: "hi" }, logprobs: null, finish_reason: null }],
};
const withChoice = (choice: Record<string, unknown>) => ({ ...base, choices: [choice] });

const plain: unknown[] = [
  base,
  { ...base, usage: null, system_fingerprint: "fp", service_tier: "default" },
  { ...base, choices: [] },
  { ...base, choices: null, id: null, created: null, model: null },
  withChoice({ delta: { role: "assistant", content: "", refusal: null } }),
  withChoice({ index: 2, delta: {}, finish_reason: "stop" }),
  withChoice({ index: 0, delta: null, finish_reason: "weird_reason", extra: { a: 1 } }),
  // The fake's stream but its last chunk, which carries the usage.
  ...fakeChunks.filter((chunk) => chunk.usage == null),
];

const notPlain: unknown[] = [
  ...fakeChunks.filter((chunk) => chunk.usage != null),
  null,
  [],
  "chunk",
  { ...base, id: 1 },
  { ...base, created: "1" },
  { ...base, model: {} },
  { ...base, system_fingerprint: 1 },
  { ...base, usage: { prompt_tokens: 1, completion_tokens: 1 } },
  { ...base, choices: {} },
  { ...base, choices: [null] },
  withChoice({ index: -1, delta: { content: "x" } }),
  withChoice({ index: 0.5, delta: { content: "x" } }),
  withChoice({ index: "0", delta: { content: "x" } }),
  withChoice({ index: 0, delta: { content: 1 } }),
  withChoice({ index: 0, delta: { role: 1 } }),
  withChoice({ index: 0, delta: { refusal: false } }),
  withChoice({ index: 0, delta: [] }),
  withChoice({ index: 0, delta: { tool_calls: [] } }),
  withChoice({ index: 0, delta: {}, finish_reason: 3 }),
];

describe("the plain-chunk check", () => {
  it("accepts the common chunks, each exactly as the schema would return it", () => {
    for (const chunk of plain) {
      expect(isPlainChunk(chunk), JSON.stringify(chunk)).toBe(true);
      expect(upstreamChunkSchema.parse(chunk)).toEqual(chunk);
    }
  });

  it("leaves everything else to the schema", () => {
    for (const chunk of notPlain) expect(isPlainChunk(chunk), JSON.stringify(chunk)).toBe(false);
  });

  it("is never looser than the schema", () => {
    for (const chunk of [...plain, ...notPlain]) {
      if (isPlainChunk(chunk)) expect(upstreamChunkSchema.safeParse(chunk).success).toBe(true);
    }
  });
});
