/**
 * The gateway in front of a real OpenAI-compatible wire: a fake upstream on 127.0.0.1 that
 * speaks OpenAI's exact JSON and SSE formats.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";
import { streamText } from "../support/stream-text.ts";

let upstream: FakeOpenAI;
let gateway: TestGateway;
let key: { orgId: string; keyId: string; secret: string };

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway();
  key = await createOrgWithKey(gateway);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
    apiKey: "sk-upstream-credential",
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const ask = (extra: Record<string, unknown> = {}) => ({
  model: "upstream/gpt-4o-mini",
  messages: [{ role: "user", content: "Say hello" }],
  ...extra,
});

describe("non-streaming", () => {
  it("relays the upstream answer and reports the deployment in headers", async () => {
    upstream.script({ kind: "complete", deltas: ["Hello", ", world"] });
    const response = await gateway.call("/v1/chat/completions", ask(), key.secret);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.choices[0].message.content).toBe("Hello, world");
    expect(body.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3 });
    expect(response.headers.get("x-switchyard-provider")).toBe("upstream");
    expect(response.headers.get("x-switchyard-model")).toBe("gpt-4o-mini");
    expect(Number(response.headers.get("x-switchyard-cost-usd"))).toBeGreaterThan(0);
  });

  it("sends the provider's credential and model upstream, never the client's key", async () => {
    upstream.script({ kind: "complete" });
    await gateway.call("/v1/chat/completions", ask({ temperature: 0.2 }), key.secret);
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe("/v1/chat/completions");
    expect(sent?.headers.authorization).toBe("Bearer sk-upstream-credential");
    expect(JSON.stringify(sent?.headers)).not.toContain(key.secret);
    expect(sent?.body).toMatchObject({ model: "gpt-4o-mini", temperature: 0.2 });
  });

  it("records the upstream's reported usage", async () => {
    upstream.script({
      kind: "complete",
      usage: { prompt_tokens: 40, completion_tokens: 7, total_tokens: 47 },
    });
    const response = await gateway.call("/v1/chat/completions", ask(), key.secret);
    const requestId = response.headers.get("x-request-id") ?? "";
    await gateway.services.background.drain();
    const [record] = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, requestId));
    expect(record).toMatchObject({
      provider: "upstream",
      model: "gpt-4o-mini",
      inputTokens: 40,
      outputTokens: 7,
      status: 200,
      usageEstimated: false,
      stream: false,
    });
    expect(record?.costNanoUsd).toBeGreaterThan(0);
  });
});

describe("streaming", () => {
  it("delivers the first chunk before the upstream has finished (no buffering)", async () => {
    // Chunk 0 is the role chunk, chunk 1 carries "one"; the upstream then holds the rest.
    upstream.script({ kind: "stream", deltas: ["one", " two", " three"], holdAfter: 2 });
    const response = await gateway.call("/v1/chat/completions", ask({ stream: true }), key.secret);
    expect(response.status).toBe(200);
    const text = streamText(response);
    expect(await text.until('"one"')).not.toContain("three");
    upstream.release();
    const seen = await text.rest();
    expect(seen).toContain(" three");
    expect(seen.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("closes the upstream and bills what was sent when the client goes away mid-stream", async () => {
    upstream.script(
      { kind: "stream", deltas: ["partial", " never", " sent"], holdAfter: 2 },
      { kind: "complete" },
    );
    const client = new AbortController();
    const response = await gateway.call(
      "/v1/chat/completions",
      ask({ stream: true }),
      key.secret,
      {},
      client.signal,
    );
    const requestId = response.headers.get("x-request-id") ?? "";
    const { reader, until } = streamText(response);
    await until('"partial"');
    // The client disconnects while the gateway waits for the upstream's next chunk, which the
    // upstream is holding: only aborting the upstream call can end that wait.
    const waiting = reader.read();
    client.abort(new Error("client disconnected"));
    await reader.cancel();
    expect((await waiting).done).toBe(true);
    // The gateway hangs up on the upstream rather than letting it generate for nobody.
    expect(await upstream.requests.at(-1)?.closed).toEqual({ aborted: true });
    upstream.release();
    await gateway.services.background.drain();
    const [record] = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, requestId));
    expect(record?.status).toBe(499);
    expect(record?.stream).toBe(true);
    expect(record?.outputTokens).toBeGreaterThan(0);

    const next = await gateway.call("/v1/chat/completions", ask(), key.secret);
    expect(next.status).toBe(200);
  });

  it("estimates usage with the tokenizer when the upstream stream reports none", async () => {
    upstream.script({ kind: "stream", deltas: ["counted", " by", " us"], usage: null });
    const response = await gateway.call("/v1/chat/completions", ask({ stream: true }), key.secret);
    const requestId = response.headers.get("x-request-id") ?? "";
    await response.text();
    await gateway.services.background.drain();
    const [record] = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, requestId));
    expect(record?.usageEstimated).toBe(true);
    expect(record?.outputTokens).toBeGreaterThan(0);
    expect(record?.inputTokens).toBeGreaterThan(0);
    expect(record?.stream).toBe(true);
  });

  it("ends a stream cut by the upstream with an OpenAI error event, and keeps serving", async () => {
    upstream.script({ kind: "stream", deltas: ["a", "b", "c"], disconnectAfter: 1 });
    const response = await gateway.call("/v1/chat/completions", ask({ stream: true }), key.secret);
    const text = await response.text();
    const events = text.split("\n\n").filter((event) => event.startsWith("data: "));
    const last = JSON.parse(events.at(-1)?.slice(6) ?? "{}");
    expect(last.error).toMatchObject({ type: "api_error" });
    expect(text).not.toContain("[DONE]");

    upstream.script({ kind: "complete" });
    expect((await gateway.call("/v1/chat/completions", ask(), key.secret)).status).toBe(200);
  });
});

describe("upstream failures", () => {
  it("answers 502 naming the deployment when the upstream fails", async () => {
    upstream.script({ kind: "error", status: 500, message: "upstream exploded" });
    const response = await gateway.call("/v1/chat/completions", ask(), key.secret);
    expect(response.status).toBe(502);
    const body = await response.json();
    expect(body.error.type).toBe("api_error");
    expect(body.error.message).toContain("upstream/gpt-4o-mini");
  });

  it("passes an upstream 400 through as the client's error", async () => {
    upstream.script({
      kind: "error",
      status: 400,
      message: "Invalid value for 'temperature'",
      code: "invalid_value",
    });
    const response = await gateway.call(
      "/v1/chat/completions",
      ask({ temperature: 9 }),
      key.secret,
    );
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain("temperature");
  });

  it("answers 502, not 401, when the provider's own credential is refused", async () => {
    upstream.script({
      kind: "error",
      status: 401,
      message: "Incorrect API key provided: sk-up***",
    });
    const response = await gateway.call("/v1/chat/completions", ask(), key.secret);
    expect(response.status).toBe(502);
    expect(JSON.stringify(await response.json())).not.toContain("sk-upstream-credential");
  });

  it("answers 502 when nothing listens at the provider's URL", async () => {
    await createOpenAICompatibleProvider(gateway, {
      orgId: key.orgId,
      name: "gone",
      baseUrl: "http://127.0.0.1:9/v1",
    });
    const response = await gateway.call(
      "/v1/chat/completions",
      ask({ model: "gone/some-model" }),
      key.secret,
    );
    expect(response.status).toBe(502);
    expect((await response.json()).error.message).toContain("gone/some-model");
  });
});
