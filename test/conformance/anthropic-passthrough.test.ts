/**
 * Anthropic in → Anthropic out: `/v1/messages` to an Anthropic deployment passes the client's
 * request through (only model and auth rewritten) and hands back Anthropic's bytes unchanged,
 * while usage is still read for accounting. Through the official `@anthropic-ai/sdk` and raw
 * HTTP, against the fake Messages API.
 */
import Anthropic from "@anthropic-ai/sdk";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { anthropicSse } from "../fakes/anthropic-server.ts";
import { type ConformanceGateway, startConformanceGateway } from "./conformance-gateway.ts";

let conformance: ConformanceGateway;
let client: Anthropic;

beforeAll(async () => {
  conformance = await startConformanceGateway();
  client = new Anthropic({
    baseURL: conformance.origin,
    apiKey: conformance.secret,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await conformance?.close();
});

const MODEL = "claude/claude-sonnet-4-20250514";
const lastUpstream = () => conformance.anthropic.requests.at(-1);

async function usageRecordOf(requestId: string | null) {
  const { gateway } = conformance;
  await gateway.services.background.drain();
  const [row] = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.requestId, requestId ?? ""));
  return row;
}

/** What the translation would drop, which passthrough must deliver. */
const NATIVE_ONLY = {
  thinking: { type: "enabled", budget_tokens: 1024 },
  top_k: 40,
  metadata: { user_id: "user-7" },
  system: [{ type: "text", text: "Long shared context.", cache_control: { type: "ephemeral" } }],
  messages: [
    {
      role: "user",
      content: [{ type: "text", text: "Hello", cache_control: { type: "ephemeral" } }],
    },
  ],
};

describe("/v1/messages to an Anthropic deployment is passed through", () => {
  it("sends the client's body as it came, with the deployment's model and the provider's key", async () => {
    conformance.anthropic.script({ kind: "complete", deltas: ["Hi"] });
    const { data, response } = await client.messages
      .create(
        {
          model: MODEL,
          max_tokens: 2048,
          ...NATIVE_ONLY,
        } as Anthropic.MessageCreateParamsNonStreaming,
        {
          headers: {
            "anthropic-beta": "prompt-caching-2024-07-31",
            "anthropic-version": "2023-06-01",
          },
        },
      )
      .withResponse();
    const sent = lastUpstream();
    expect(sent?.body).toEqual({
      model: "claude-sonnet-4-20250514",
      max_tokens: 2048,
      ...NATIVE_ONLY,
    });
    expect(sent?.headers["x-api-key"]).toBe("sk-ant-fake-0123456789");
    expect(sent?.headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    // The client's version: its body is written in it.
    expect(sent?.headers["anthropic-version"]).toBe("2023-06-01");
    // Anthropic's own message, not a translation: its id and its usage fields, service_tier too.
    expect(data.id).toBe("msg_fake01");
    expect(data.usage).toMatchObject({
      input_tokens: 14,
      output_tokens: 5,
      service_tier: "standard",
    });
    expect(response.headers.get("x-switchyard-passthrough")).toBe("1");
    // $3 / $15 per million: 14 × 3 + 5 × 15 = 117 µUSD.
    expect(response.headers.get("x-switchyard-cost-usd")).toBe("0.000117000");
    const record = await usageRecordOf(response.headers.get("x-request-id"));
    expect(record).toMatchObject({ endpoint: "/v1/messages", inputTokens: 14, outputTokens: 5 });
  });

  it("relays the SSE bytes unchanged and bills the usage read from them", async () => {
    const body = anthropicSse([
      JSON.stringify({
        type: "message_start",
        message: {
          id: "msg_native",
          type: "message",
          role: "assistant",
          model: "claude-sonnet-4-20250514",
          content: [],
          stop_reason: null,
          usage: { input_tokens: 30, output_tokens: 1, cache_read_input_tokens: 100 },
        },
      }),
      JSON.stringify({
        type: "content_block_start",
        index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" },
      }),
      JSON.stringify({
        type: "content_block_delta",
        index: 0,
        delta: { type: "thinking_delta", thinking: "Let me think." },
      }),
      JSON.stringify({
        type: "content_block_delta",
        index: 0,
        delta: { type: "signature_delta", signature: "sig-abc" },
      }),
      JSON.stringify({ type: "content_block_stop", index: 0 }),
      JSON.stringify({
        type: "content_block_start",
        index: 1,
        content_block: { type: "text", text: "" },
      }),
      JSON.stringify({
        type: "content_block_delta",
        index: 1,
        delta: { type: "text_delta", text: "Done." },
      }),
      JSON.stringify({ type: "content_block_stop", index: 1 }),
      JSON.stringify({
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 12 },
      }),
      JSON.stringify({ type: "message_stop" }),
    ]);
    conformance.anthropic.script({ kind: "raw-sse", body, pieceBytes: 13 });
    const response = await fetch(`${conformance.origin}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": conformance.secret,
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 2048,
        stream: true,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "Think" }],
      }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(await response.text()).toBe(body);
    expect(lastUpstream()?.body).toMatchObject({ stream: true, thinking: { type: "enabled" } });
    const record = await usageRecordOf(response.headers.get("x-request-id"));
    expect(record).toMatchObject({
      status: 200,
      stream: true,
      inputTokens: 130,
      cachedInputTokens: 100,
      outputTokens: 12,
      usageEstimated: false,
    });
  });

  it("streams to the SDK, whose finalMessage is Anthropic's message", async () => {
    conformance.anthropic.script({ kind: "stream", deltas: ["Hello", " native"] });
    const final = await client.messages
      .stream({ model: MODEL, max_tokens: 100, messages: [{ role: "user", content: "Hi" }] })
      .finalMessage();
    expect(final.id).toBe("msg_fake01");
    expect(final.content).toEqual([{ type: "text", text: "Hello native" }]);
    expect(final.usage.input_tokens).toBe(14);
  });

  it("passes Anthropic's errors back in Anthropic's shape with its message", async () => {
    conformance.anthropic.script({
      kind: "error",
      status: 400,
      type: "invalid_request_error",
      message: "thinking.budget_tokens: must be less than max_tokens",
    });
    const failure = await client.messages
      .create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    conformance.anthropic.script({ kind: "complete" });
    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    const error = (failure as InstanceType<typeof Anthropic.BadRequestError>).error as {
      type: string;
      error: { type: string; message: string };
    };
    expect(error.type).toBe("error");
    expect(error.error.type).toBe("invalid_request_error");
    expect(error.error.message).toContain("thinking.budget_tokens: must be less than max_tokens");
  });

  it("ends a stream cut off before message_stop with an error event", async () => {
    conformance.anthropic.script({ kind: "stream", disconnectAfter: 4 });
    const response = await fetch(`${conformance.origin}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": conformance.secret },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 10,
        stream: true,
        messages: [{ role: "user", content: "x" }],
      }),
    });
    const text = await response.text();
    conformance.anthropic.script({ kind: "complete" });
    expect(text.startsWith("event: message_start")).toBe(true);
    expect(text.trimEnd()).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/,
    );
  });

  it("keeps translating for a deployment of another protocol", async () => {
    conformance.upstream.script({ kind: "complete", deltas: ["translated"] });
    const { data, response } = await client.messages
      .create({
        model: "upstream/gpt-4o-mini",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
      })
      .withResponse();
    expect(data.content).toEqual([{ type: "text", text: "translated" }]);
    expect(response.headers.get("x-switchyard-passthrough")).toBeNull();
  });
});
