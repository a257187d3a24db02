/**
 * POST /v1/messages through the whole pipeline: authentication by x-api-key, routing to mock/echo
 * and to an OpenAI-compatible upstream, limits, accounting and Switchyard's headers, with answers
 * and errors in Anthropic's shape.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../../db/schema/index.ts";
import { formatNanoUsd } from "../../../schema/types/usd.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  rawId,
  startTestGateway,
  type TestGateway,
} from "../../support/gateway.ts";
import { streamText } from "../../support/stream-text.ts";
import { parseSseEvents } from "./sse-events.ts";

let gateway: TestGateway;
let upstream: FakeOpenAI;
let key: { orgId: string; keyId: string; secret: string };

beforeAll(async () => {
  [gateway, upstream] = await Promise.all([
    startTestGateway({ env: { SWITCHYARD_MAX_BODY_BYTES: "65536" } }),
    startFakeOpenAI(),
  ]);
  key = await createOrgWithKey(gateway);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
  });
});
afterAll(async () => {
  await upstream?.close();
  await gateway?.close();
});

/** As the Anthropic SDK sends it: x-api-key and anthropic-version, no Authorization header. */
function postMessages(body: unknown, secret = key.secret, headers: Record<string, string> = {}) {
  return gateway.app.fetch(
    new Request("http://switchyard.test/v1/messages", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": secret,
        "anthropic-version": "2023-06-01",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

const echo = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "mock/echo",
  max_tokens: 100,
  messages: [{ role: "user", content: text }],
  ...extra,
});

async function usageRecordOf(requestId: string | null) {
  await gateway.services.background.drain();
  const [row] = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.requestId, requestId ?? ""));
  return row;
}

const weatherTool = {
  name: "get_weather",
  description: "Weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("POST /v1/messages answers in Anthropic's shape", () => {
  it("answers mock/echo with a Message, Switchyard's headers and a usage record", async () => {
    const response = await postMessages(echo("hello there", { system: "Be nice." }));
    expect(response.status).toBe(200);
    const message = await response.json();
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "echo",
      content: [{ type: "text", text: "Echo: hello there" }],
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect(response.headers.get("request-id")).toBe(requestId);
    expect(response.headers.get("x-switchyard-provider")).toBe("mock");
    expect(response.headers.get("x-switchyard-model")).toBe("echo");
    expect(response.headers.get("x-switchyard-attempts")).toBe("1");
    expect(response.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(response.headers.get("x-switchyard-cost-usd")).toMatch(/^\d+\.\d{9}$/);
    const record = await usageRecordOf(requestId);
    expect(record).toMatchObject({
      endpoint: "/v1/messages",
      provider: "mock",
      model: "echo",
      status: 200,
      stream: false,
      inputTokens: message.usage.input_tokens,
      outputTokens: message.usage.output_tokens,
      orgId: rawId(key.orgId),
    });
  });

  it("streams mock/echo as the full event sequence, usage in message_delta", async () => {
    const response = await postMessages(echo("streamed words", { stream: true }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSseEvents(await response.text());
    const names = events.map((event) => event.event);
    expect(names[0]).toBe("message_start");
    expect(names.slice(1, 3)).toEqual(["content_block_start", "ping"]);
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    // Each event's name is its data's type, as Anthropic sends them.
    for (const event of events) expect(event.data.type).toBe(event.event);
    const text = events
      .filter((event) => event.event === "content_block_delta")
      .map((event) => (event.data.delta as { text: string }).text)
      .join("");
    expect(text).toBe("Echo: streamed words");
    const delta = events.at(-2)?.data as { delta: unknown; usage: { output_tokens: number } };
    expect(delta.delta).toEqual({ stop_reason: "end_turn", stop_sequence: null });
    const record = await usageRecordOf(response.headers.get("x-request-id"));
    expect(record).toMatchObject({ endpoint: "/v1/messages", stream: true, status: 200 });
    expect(record?.outputTokens).toBe(delta.usage.output_tokens);
  });

  it("reports max_tokens when the answer was cut", async () => {
    const response = await postMessages(echo("one two three four five six", { max_tokens: 2 }));
    expect((await response.json()).stop_reason).toBe("max_tokens");
  });

  it("sends the upstream a translated request and answers its tool call as tool_use", async () => {
    upstream.script({
      kind: "complete",
      toolCalls: [{ id: "call_9", name: "get_weather", arguments: '{"city":"Paris"}' }],
      usage: {
        prompt_tokens: 40,
        completion_tokens: 9,
        total_tokens: 49,
        prompt_tokens_details: { cached_tokens: 32 },
      },
    });
    const response = await postMessages({
      model: "upstream/gpt-4o-mini",
      max_tokens: 256,
      system: [{ type: "text", text: "You check weather." }],
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [weatherTool],
      tool_choice: { type: "any" },
      stop_sequences: ["END"],
      metadata: { user_id: "u-1" },
      temperature: 0.3,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      content: [{ type: "tool_use", id: "call_9", name: "get_weather", input: { city: "Paris" } }],
      stop_reason: "tool_use",
      usage: { input_tokens: 8, output_tokens: 9, cache_read_input_tokens: 32 },
    });
    expect(upstream.requests.at(-1)?.body).toMatchObject({
      model: "gpt-4o-mini",
      max_tokens: 256,
      messages: [
        { role: "system", content: [{ type: "text", text: "You check weather." }] },
        { role: "user", content: "Weather in Paris?" },
      ],
      tools: [
        {
          type: "function",
          function: { name: "get_weather", parameters: weatherTool.input_schema },
        },
      ],
      tool_choice: "required",
      stop: ["END"],
      user: "u-1",
      temperature: 0.3,
    });
    const record = await usageRecordOf(response.headers.get("x-request-id"));
    expect(record).toMatchObject({ inputTokens: 40, cachedInputTokens: 32, outputTokens: 9 });
  });

  it("streams an upstream tool call as a tool_use block with input_json_delta", async () => {
    upstream.script({
      kind: "stream",
      deltas: [],
      toolCalls: [{ id: "call_s", name: "get_weather", arguments: '{"city":"Oslo"}' }],
    });
    const response = await postMessages({
      model: "upstream/gpt-4o-mini",
      max_tokens: 64,
      stream: true,
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      tools: [weatherTool],
    });
    const events = parseSseEvents(await response.text());
    expect(events.find((event) => event.event === "content_block_start")?.data).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: "call_s", name: "get_weather", input: {} },
    });
    const json = events
      .filter((event) => event.event === "content_block_delta")
      .map((event) => (event.data.delta as { partial_json: string }).partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({ city: "Oslo" });
    expect(events.at(-2)?.data).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { input_tokens: 12, output_tokens: 3 },
    });
    // The upstream was asked for usage, which message_delta needs.
    expect(upstream.requests.at(-1)?.body).toMatchObject({
      stream_options: { include_usage: true },
    });
  });

  it("relays each event as the upstream sends it, not after the whole answer", async () => {
    upstream.script({ kind: "stream", deltas: ["one", " two", " three"], holdAfter: 2 });
    const response = await postMessages({
      model: "upstream/gpt-4o-mini",
      max_tokens: 64,
      stream: true,
      messages: [{ role: "user", content: "count" }],
    });
    const text = streamText(response);
    expect(await text.until('"one"')).not.toContain("three");
    upstream.release();
    const events = parseSseEvents(await text.rest());
    expect(events.at(-1)?.event).toBe("message_stop");
  });

  it("closes the upstream and records 499 when the client goes away mid-stream", async () => {
    upstream.script(
      { kind: "stream", deltas: ["partial", " never"], holdAfter: 2 },
      { kind: "complete" },
    );
    const client = new AbortController();
    const response = await gateway.call(
      "/v1/messages",
      {
        model: "upstream/gpt-4o-mini",
        max_tokens: 64,
        stream: true,
        messages: [{ role: "user", content: "x" }],
      },
      key.secret,
      {},
      client.signal,
    );
    const { reader, until } = streamText(response);
    await until('"partial"');
    const waiting = reader.read();
    client.abort(new Error("client disconnected"));
    await reader.cancel();
    expect((await waiting).done).toBe(true);
    expect(await upstream.requests.at(-1)?.closed).toEqual({ aborted: true });
    upstream.release();
    const record = await usageRecordOf(response.headers.get("x-request-id"));
    expect(record).toMatchObject({ endpoint: "/v1/messages", status: 499, stream: true });
  });

  it("ends a stream broken by a malformed upstream chunk with an Anthropic error event", async () => {
    upstream.script({ kind: "stream", malformedAfter: 2 });
    const response = await postMessages({
      model: "upstream/gpt-4o-mini",
      max_tokens: 64,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(200);
    const events = parseSseEvents(await response.text());
    const last = events.at(-1);
    expect(last?.event).toBe("error");
    expect(last?.data).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(events.map((event) => event.event)).not.toContain("message_stop");
    const record = await usageRecordOf(response.headers.get("x-request-id"));
    expect(record?.status).toBe(502);
  });

  it("answers a second identical opted-in request from the cache, translated", async () => {
    const body = echo("cache me please");
    const headers = { "x-switchyard-cache": "max-age=60" };
    const first = await postMessages(body, key.secret, headers);
    expect(first.headers.get("x-switchyard-cache")).toBe("MISS");
    const firstMessage = await first.json();
    await gateway.services.background.drain();
    const second = await postMessages(body, key.secret, headers);
    expect(second.headers.get("x-switchyard-cache")).toBe("HIT");
    expect((await second.json()).content).toEqual(firstMessage.content);
    const streamed = await postMessages({ ...body, stream: true }, key.secret, headers);
    expect(streamed.headers.get("x-switchyard-cache")).toBe("HIT");
    const events = parseSseEvents(await streamed.text());
    expect(events.at(-1)?.event).toBe("message_stop");
    expect(events.find((event) => event.event === "content_block_delta")?.data).toMatchObject({
      delta: { type: "text_delta", text: "Echo: cache me please" },
    });
  });
});

describe("POST /v1/messages errors in Anthropic's shape", () => {
  async function errorOf(response: Response) {
    const body = await response.json();
    expect(body.type).toBe("error");
    expect(body.request_id).toBe(response.headers.get("x-request-id"));
    return {
      status: response.status,
      type: body.error.type,
      message: body.error.message as string,
    };
  }

  it("405 invalid_request_error for a method other than POST", async () => {
    const response = await gateway.app.fetch(new Request("http://switchyard.test/v1/messages"));
    expect(await errorOf(response)).toMatchObject({ status: 405, type: "invalid_request_error" });
  });

  it("401 authentication_error for a missing or unknown key", async () => {
    const missing = await gateway.app.fetch(
      new Request("http://switchyard.test/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(echo("x")),
      }),
    );
    expect(await errorOf(missing)).toMatchObject({ status: 401, type: "authentication_error" });
    expect(await errorOf(await postMessages(echo("x"), "sk-sy-nope"))).toMatchObject({
      status: 401,
      type: "authentication_error",
    });
  });

  it("400 invalid_request_error naming the field, for bad JSON and a missing max_tokens", async () => {
    expect(await errorOf(await postMessages("{not json"))).toMatchObject({
      status: 400,
      type: "invalid_request_error",
    });
    const missing = await errorOf(
      await postMessages({ model: "mock/echo", messages: [{ role: "user", content: "x" }] }),
    );
    expect(missing).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(missing.message).toContain("max_tokens");
  });

  it("403 permission_error for a model the key may not use", async () => {
    const narrow = await createOrgWithKey(gateway, { models: ["mock/echo"] });
    const refused = await postMessages({ ...echo("x"), model: "upstream/gpt-4o" }, narrow.secret);
    expect(await errorOf(refused)).toMatchObject({ status: 403, type: "permission_error" });
  });

  it("404 not_found_error for an unknown model", async () => {
    const response = await postMessages({ ...echo("x"), model: "nowhere/model" });
    expect(await errorOf(response)).toMatchObject({ status: 404, type: "not_found_error" });
  });

  it("413 request_too_large for a body over the limit", async () => {
    const response = await postMessages(echo("x".repeat(70_000)));
    expect(await errorOf(response)).toMatchObject({ status: 413, type: "request_too_large" });
  });

  it("429 rate_limit_error with retry-after past the key's RPM", async () => {
    const limited = await createOrgWithKey(gateway, { rpm: 1 });
    expect((await postMessages(echo("one"), limited.secret)).status).toBe(200);
    const refused = await postMessages(echo("two"), limited.secret);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await errorOf(refused)).toMatchObject({ status: 429, type: "rate_limit_error" });
  });

  it("402 billing_error when the budget is spent", async () => {
    const poor = await createOrgWithKey(gateway);
    await gateway.admin(
      `mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }`,
      { input: { scope: "KEY", scopeId: poor.keyId, limitUsd: formatNanoUsd(1n), window: "1d" } },
    );
    const refused = await postMessages(echo("spend"), poor.secret);
    expect(await errorOf(refused)).toMatchObject({ status: 402, type: "billing_error" });
  });

  it.each([
    [500, 502, "api_error"],
    [503, 503, "overloaded_error"],
  ])("upstream %i becomes %i %s", async (upstreamStatus, status, type) => {
    upstream.script({ kind: "error", status: upstreamStatus, type: "server_error" });
    const response = await postMessages({ ...echo("x"), model: "upstream/gpt-4o-mini" });
    expect(await errorOf(response)).toMatchObject({ status, type });
    upstream.script({ kind: "complete" });
  });

  it("passes an upstream 400 back with the provider's message", async () => {
    upstream.script({
      kind: "error",
      status: 400,
      message: "Unrecognized request argument: thinking",
    });
    const response = await postMessages({
      ...echo("x"),
      model: "upstream/gpt-4o-mini",
      thinking: { type: "enabled", budget_tokens: 1024 },
    });
    const error = await errorOf(response);
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(error.message).toContain("Unrecognized request argument: thinking");
    expect(upstream.requests.at(-1)?.body).toMatchObject({ thinking: { type: "enabled" } });
    upstream.script({ kind: "complete" });
  });
});

describe("POST /v1/responses", () => {
  it("answers mock/echo as a response and records the call under its endpoint", async () => {
    const response = await gateway.call(
      "/v1/responses",
      { model: "mock/echo", input: "hi" },
      key.secret,
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ object: "response", status: "completed" });
    const record = await usageRecordOf(response.headers.get("x-request-id"));
    expect(record).toMatchObject({
      endpoint: "/v1/responses",
      status: 200,
      inputTokens: body.usage.input_tokens,
      outputTokens: body.usage.output_tokens,
    });
  });
});
