/**
 * Bedrock event streams written as Bedrock sends them (one message per line: its headers and its
 * JSON payload, padding included), encoded into binary frames with the AWS SDK's codec by the
 * fake and replayed in small pieces, so frames and their preludes arrive split across reads.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bedrockAdapter } from "../../functions/providers/bedrock/adapter.ts";
import {
  FAKE_AWS,
  type FakeBedrock,
  type FakeStreamMessage,
  startFakeBedrock,
} from "../fakes/bedrock-server.ts";
import { callOptions, chatRequest, target } from "./helpers.ts";

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await startFakeBedrock();
});
afterAll(async () => {
  await fake.close();
});

function fixture(name: string): FakeStreamMessage[] {
  const path = fileURLToPath(
    new URL(`../../functions/providers/bedrock/__fixtures__/${name}.chunks.txt`, import.meta.url),
  );
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as FakeStreamMessage);
}

async function replay(name: string, pieceBytes = 5) {
  fake.script({ kind: "frames", messages: fixture(name), pieceBytes });
  const request = chatRequest({ stream: true, stream_options: { include_usage: true } });
  const outcome = await bedrockAdapter.chatCompletion(
    request,
    target({
      kind: "bedrock",
      name: "aws",
      baseUrl: fake.baseUrl,
      apiKey: FAKE_AWS.secretAccessKey,
      config: { accessKeyId: FAKE_AWS.accessKeyId, region: FAKE_AWS.region },
      model: "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
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

const text = (chunks: Array<{ choices: Array<{ delta: { content?: string | null } }> }>) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");

describe("recorded Bedrock event streams", () => {
  it("translates a text stream chunk by chunk", async () => {
    const { chunks, usage, failure } = await replay("bedrock-text");
    expect(failure).toBeNull();
    expect(text(chunks)).toBe("The capital of France is Paris.");
    expect(usage).toEqual({
      inputTokens: 21,
      outputTokens: 10,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      estimated: false,
    });
    expect(chunks).toMatchSnapshot();
  });

  it.each([1, 3, 12, 64, 4096])(
    "reads the same chunks whatever the read size (%i bytes)",
    async (size) => {
      const { chunks: reference } = await replay("bedrock-text", 5);
      const { chunks, failure } = await replay("bedrock-text", size);
      expect(failure).toBeNull();
      expect(chunks).toEqual(reference);
    },
  );

  it("translates text followed by two tool calls, with cache reads and writes in the usage", async () => {
    const { chunks, usage, failure } = await replay("bedrock-tool-use");
    expect(failure).toBeNull();
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(usage).toEqual({
      inputTokens: 472 + 2048 + 1536,
      outputTokens: 89,
      cachedInputTokens: 2048,
      cacheWriteInputTokens: 1536,
      estimated: false,
    });
    expect(chunks.at(-1)?.usage).toEqual({
      prompt_tokens: 4056,
      completion_tokens: 89,
      total_tokens: 4145,
      prompt_tokens_details: { cached_tokens: 2048 },
    });
    expect(chunks).toMatchSnapshot();
  });

  it("ends with a 429 provider error on a throttlingException, after the text sent so far", async () => {
    const { chunks, failure, usage } = await replay("bedrock-throttled");
    expect(text(chunks)).toBe("Once upon");
    expect(failure).toMatchObject({
      kind: "upstream_http",
      status: 429,
      retryable: true,
      type: "throttlingException",
    });
    expect((failure as Error).message).toContain(
      "Too many tokens, please wait before trying again.",
    );
    expect(usage.estimated).toBe(true);
    expect(chunks).toMatchSnapshot();
  });
});
