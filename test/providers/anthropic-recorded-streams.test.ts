import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicAdapter } from "../../functions/providers/anthropic/adapter.ts";
import { anthropicSse, type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-server.ts";
import { callOptions, chatRequest, target } from "./helpers.ts";

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

function fixture(name: string): string {
  const path = fileURLToPath(
    new URL(`../../functions/providers/anthropic/__fixtures__/${name}.chunks.txt`, import.meta.url),
  );
  return anthropicSse(readFileSync(path, "utf8").split("\n"));
}

/** Replays a recorded stream in 7-byte pieces, so events arrive split across reads. */
async function replay(name: string) {
  fake.script({ kind: "raw-sse", body: fixture(name), pieceBytes: 7 });
  const request = chatRequest({ stream: true, stream_options: { include_usage: true } });
  const outcome = await anthropicAdapter.chatCompletion(
    request,
    target({
      kind: "anthropic",
      name: "claude",
      baseUrl: fake.baseUrl,
      model: "claude-sonnet-4-20250514",
    }),
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

describe("recorded Anthropic streams", () => {
  it("translates a text stream chunk by chunk", async () => {
    const { chunks, usage, failure } = await replay("anthropic-text");
    expect(failure).toBeNull();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "The capital of France is Paris.",
    );
    expect(usage).toEqual({
      inputTokens: 21,
      outputTokens: 10,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      estimated: false,
    });
    expect(chunks).toMatchSnapshot();
  });

  it("translates text followed by two tool calls", async () => {
    const { chunks, failure } = await replay("anthropic-tool-use");
    expect(failure).toBeNull();
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks).toMatchSnapshot();
  });

  it("reports cache reads and writes from the stream's usage", async () => {
    const { chunks, usage } = await replay("anthropic-cache");
    expect(usage).toEqual({
      inputTokens: 12 + 1536 + 2048,
      outputTokens: 6,
      cachedInputTokens: 2048,
      cacheWriteInputTokens: 1536,
      estimated: false,
    });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
    expect(chunks.at(-1)?.usage).toMatchSnapshot();
  });

  it("ends with a provider error on Anthropic's error event, after the text sent so far", async () => {
    const { chunks, failure } = await replay("anthropic-error");
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Once upon");
    expect(failure).toMatchObject({
      kind: "upstream_http",
      status: 529,
      retryable: true,
      type: "overloaded_error",
    });
    expect(chunks).toMatchSnapshot();
  });
});
