/**
 * What an operator sees of gateway calls: one JSON log line per call (no secret, no prompt),
 * Prometheus metrics behind a token, and OTLP traces with GenAI attributes when an endpoint is
 * configured (a fake collector on 127.0.0.1 here). All of it from the settle stage's observer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/app.ts";
import { createLogger } from "../../functions/log.ts";
import { createCallObserver } from "../../functions/observability/call-observer.ts";
import { createCallTracer, noTracing } from "../../functions/observability/tracing.ts";
import type { Services } from "../../functions/services.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { startOtlpReceiver } from "./otlp-receiver.ts";

const METRICS_TOKEN = `metrics-${crypto.randomUUID()}`;
const PROMPT = `a prompt that must never be logged ${crypto.randomUUID()}`;
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ env: { SWITCHYARD_METRICS_TOKEN: METRICS_TOKEN } });
});
afterAll(() => gateway.close());

const chatBody = (stream = false) => ({
  model: "mock/echo",
  stream,
  messages: [{ role: "user", content: PROMPT }],
});

/** The same services, another observer: what the app reports goes where the test can read it. */
function appWithObserver(observer: Services["observer"]) {
  return createApp({ ...gateway.services, observer });
}

describe("the request log line", () => {
  it("is one JSON line per call with ids, model, outcome, timing, tokens and cost, never a secret or the prompt", async () => {
    const { orgId, secret } = await createOrgWithKey(gateway);
    const lines: string[] = [];
    const log = createLogger({ write: (line) => lines.push(line) });
    const app = appWithObserver(createCallObserver({ log, clock: Date.now }));
    const response = await app.fetch(
      new Request("http://gateway.test/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body: JSON.stringify(chatBody()),
      }),
    );
    expect(response.status).toBe(200);
    await response.text();
    const calls = lines.map((line) => JSON.parse(line)).filter((l) => l.message === "gateway call");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      level: "info",
      requestId: response.headers.get("x-request-id"),
      endpoint: "/v1/chat/completions",
      orgId: expect.stringMatching(/[0-9a-f-]{36}/),
      keyPrefix: secret.slice(0, 11),
      requestedModel: "mock/echo",
      provider: "mock",
      status: 200,
      error: null,
      stream: false,
      attempts: 1,
      latencyMs: expect.any(Number),
      inputTokens: expect.any(Number),
      outputTokens: expect.any(Number),
      costNanoUsd: expect.any(Number),
    });
    expect(calls[0].inputTokens).toBeGreaterThan(0);
    expect(orgId).toBeTruthy();
    const all = lines.join("\n");
    expect(all).not.toContain(secret);
    expect(all).not.toContain(PROMPT);
  });

  it("follows LOG_LEVEL: warn leaves out the info line", async () => {
    const { secret } = await createOrgWithKey(gateway);
    const lines: string[] = [];
    const log = createLogger({ level: "warn", write: (line) => lines.push(line) });
    const app = appWithObserver(createCallObserver({ log, clock: Date.now }));
    const response = await app.fetch(
      new Request("http://gateway.test/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body: JSON.stringify(chatBody()),
      }),
    );
    await response.text();
    expect(lines).toEqual([]);
  });
});

describe("GET /metrics", () => {
  const scrape = (token?: string, services: Services = gateway.services) =>
    createApp(services).fetch(
      new Request("http://gateway.test/metrics", {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    );

  it("asks for the metrics token, and is off without one configured", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape("wrong")).status).toBe(401);
    const { config } = gateway.services;
    const off = { ...config, operations: { ...config.operations, metricsToken: undefined } };
    expect((await scrape(METRICS_TOKEN, { ...gateway.services, config: off })).status).toBe(404);
  });

  it("counts requests, tokens, cost, latency, cache hits and limit refusals in Prometheus text", async () => {
    const { orgId, keyId, secret } = await createOrgWithKey(gateway);
    await gateway.admin(
      `mutation ($input: SetModelPriceInput!) { setModelPrice(input: $input) { price { model } } }`,
      {
        input: { orgId, model: "mock/echo", inputUsdPerMillion: 1000, outputUsdPerMillion: 1000 },
      },
    );
    const cached = { "x-switchyard-cache": "max-age=60" };
    for (let i = 0; i < 2; i++) {
      const response = await gateway.call("/v1/chat/completions", chatBody(), secret, cached);
      expect(response.status).toBe(200);
      await response.text();
    }
    await gateway.admin(
      `mutation ($input: SetRateLimitInput!) { setRateLimit(input: $input) { rateLimit { rpm } } }`,
      { input: { scope: "KEY", scopeId: keyId, rpm: 1 } },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await gateway.call("/v1/chat/completions", chatBody(), secret);
      await response.text();
      statuses.push(response.status);
    }
    const refused = { status: statuses[1] };
    expect(refused.status).toBe(429);

    const response = await scrape(METRICS_TOKEN);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    expect(
      value(
        /switchyard_requests_total\{endpoint="\/v1\/chat\/completions",status="200",provider="mock",model="echo"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(2);
    expect(
      value(
        /switchyard_requests_total\{endpoint="\/v1\/chat\/completions",status="429",[^}]*\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(
        /switchyard_request_errors_total\{endpoint="\/v1\/chat\/completions",error="([a-z_]+)"\}/,
      ),
    ).toBeNaN();
    expect(text).toMatch(
      /switchyard_request_errors_total\{endpoint="\/v1\/chat\/completions",error="rate_limited"\} \d+/,
    );
    expect(value(/switchyard_limit_refusals_total\{limit="rate"\} (\d+)/)).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      value(/switchyard_cache_hits_total\{endpoint="\/v1\/chat\/completions"\} (\d+)/),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(/switchyard_tokens_total\{provider="mock",model="echo",direction="input"\} (\d+)/),
    ).toBeGreaterThan(0);
    expect(
      value(/switchyard_cost_usd_total\{provider="mock",model="echo"\} ([\d.e-]+)/),
    ).toBeGreaterThan(0);
    expect(text).toMatch(
      /switchyard_request_duration_seconds_bucket\{le="\+Inf",endpoint="\/v1\/chat\/completions",stream="false"\} \d+/,
    );
    expect(text).toMatch(
      /switchyard_provider_attempt_duration_seconds_count\{provider="mock",outcome="ok"\} \d+/,
    );
    expect(text).not.toContain(secret);
    expect(text).not.toContain(orgId);
  });
});

describe("OpenTelemetry traces", () => {
  it("cost nothing without OTEL_EXPORTER_OTLP_ENDPOINT: no tracer is made", () => {
    const tracer = createCallTracer({
      endpoint: undefined,
      headers: {},
      serviceName: "switchyard",
      log: gateway.services.log,
    });
    expect(tracer).toBe(noTracing);
    expect(gateway.services.observer.tracer).toBe(noTracing);
  });

  it("export a server span and a GenAI client span per provider attempt over OTLP/HTTP", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const tracer = createCallTracer({
        endpoint: receiver.url,
        headers: { "x-collector-key": "k1" },
        serviceName: "switchyard-test",
        log: gateway.services.log,
      });
      const observer = createCallObserver({ log: gateway.services.log, clock: Date.now, tracer });
      const { secret } = await createOrgWithKey(gateway);
      const app = appWithObserver(observer);
      for (const stream of [false, true]) {
        const response = await app.fetch(
          new Request("http://gateway.test/v1/chat/completions", {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
            body: JSON.stringify(chatBody(stream)),
          }),
        );
        await response.text();
      }
      await expect
        .poll(async () => {
          await tracer.flush();
          return receiver.spans.length;
        })
        .toBeGreaterThanOrEqual(4);
      await tracer.shutdown();

      const servers = receiver.spans.filter((span) => span.name === "POST /v1/chat/completions");
      const clients = receiver.spans.filter((span) => span.name === "chat echo");
      expect(servers).toHaveLength(2);
      expect(clients).toHaveLength(2);
      for (const client of clients) {
        const parent = servers.find((server) => server.spanId === client.parentSpanId);
        expect(parent?.traceId).toBe(client.traceId);
        expect(client.kind).toBe(3); // CLIENT
        expect(client.attributes).toMatchObject({
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "mock",
          "gen_ai.request.model": "echo",
          "gen_ai.response.model": "echo",
        });
        expect(client.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
        expect(BigInt(client.endTimeUnixNano)).toBeGreaterThanOrEqual(
          BigInt(client.startTimeUnixNano),
        );
        expect(BigInt(client.startTimeUnixNano)).toBeGreaterThanOrEqual(
          BigInt(parent?.startTimeUnixNano ?? "0"),
        );
      }
      expect(servers[0]?.resource["service.name"]).toBe("switchyard-test");
      expect(servers.map((server) => server.attributes["switchyard.stream"]).sort()).toEqual([
        false,
        true,
      ]);
      expect(JSON.stringify(receiver.spans)).not.toContain(PROMPT);
      expect(JSON.stringify(receiver.spans)).not.toContain(secret);
      expect(receiver.requests[0]?.headers["x-collector-key"]).toBe("k1");
    } finally {
      await receiver.close();
    }
  });
});
