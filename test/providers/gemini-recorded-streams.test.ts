import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geminiAdapter } from "../../functions/providers/gemini/adapter.ts";
import { type FakeGemini, geminiSse, startFakeGemini } from "../fakes/gemini-server.ts";
import { callOptions, chatRequest, target } from "./helpers.ts";

let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini();
});
afterAll(async () => {
  await fake.close();
});

function fixture(name: string): string {
  const path = fileURLToPath(
    new URL(`../../functions/providers/gemini/__fixtures__/${name}.chunks.txt`, import.meta.url),
  );
  return geminiSse(readFileSync(path, "utf8").split("\n"));
}

/** Replays a recorded stream in 7-byte pieces, so events arrive split across reads. */
async function replay(name: string) {
  fake.script({ kind: "raw-sse", body: fixture(name), pieceBytes: 7 });
  const request = chatRequest({ stream: true, stream_options: { include_usage: true } });
  const outcome = await geminiAdapter.chatCompletion(
    request,
    target({ kind: "gemini", name: "gemini", baseUrl: fake.baseUrl, model: "gemini-2.5-flash" }),
    callOptions({ requestId: "req_replay" }),
  );
  if (outcome.kind !== "stream") throw new Error("expected a stream");
  const chunks = [];
  let failure: unknown = null;
  try {
    // `created` is the clock's at the call; zeroed so the snapshots hold.
    for await (const chunk of outcome.chunks) chunks.push({ ...chunk, created: 0 });
  } catch (error) {
    failure = error;
  }
  return { chunks, usage: outcome.usage(), failure };
}

const text = (chunks: Array<{ choices: Array<{ delta: { content?: string | null } }> }>) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");

describe("recorded Gemini streams", () => {
  it("translates a text stream chunk by chunk", async () => {
    const { chunks, usage, failure } = await replay("gemini-text");
    expect(failure).toBeNull();
    expect(text(chunks)).toBe("The capital of France is Paris.\n");
    expect(usage).toEqual({
      inputTokens: 11,
      outputTokens: 8,
      cachedInputTokens: 0,
      estimated: false,
    });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks).toMatchSnapshot();
  });

  it("translates thoughts and two parallel function calls; thinking tokens are output", async () => {
    const { chunks, usage, failure } = await replay("gemini-thinking-tool-call");
    expect(failure).toBeNull();
    expect(usage).toEqual({
      inputTokens: 74,
      outputTokens: 36 + 58,
      cachedInputTokens: 32,
      estimated: false,
    });
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((call) => [call.index, call.id, call.function?.arguments])).toEqual([
      [0, "call_req_replay_0__thought__CiQB0e2Kb7Qx3mM1nTtVx1f0c2lnbmF0dXJl", '{"city":"Paris"}'],
      [1, "call_req_replay_1", '{"city":"Tokyo","unit":"celsius"}'],
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 74,
      completion_tokens: 94,
      prompt_tokens_details: { cached_tokens: 32 },
    });
    expect(chunks).toMatchSnapshot();
  });

  it("ends with content_filter when Gemini stops for safety", async () => {
    const { chunks, failure } = await replay("gemini-safety");
    expect(failure).toBeNull();
    expect(text(chunks)).toBe("Here is how");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("content_filter");
    expect(chunks).toMatchSnapshot();
  });

  it("ends with a provider error on Google's error object, after the text sent so far", async () => {
    const { chunks, failure, usage } = await replay("gemini-error");
    expect(text(chunks)).toBe("Once upon");
    expect(failure).toMatchObject({
      kind: "upstream_http",
      status: 503,
      retryable: true,
      type: "UNAVAILABLE",
    });
    // Google never counted the output: the usage is the tokenizer's, "Once upon" included.
    expect(usage).toMatchObject({ estimated: true, outputTokens: 2 });
    expect(chunks).toMatchSnapshot();
  });
});
