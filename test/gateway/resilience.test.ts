/**
 * Retries, timeouts and the request deadline against fault-injecting upstreams: a hanging
 * deployment is left after its timeoutMs, a 429's Retry-After is waited only when it ends within
 * the deadline, and a call every deployment fails is answered with the documented error within
 * the deadline, naming each deployment tried.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { ask, orgWithRoute, servedBy } from "../routing/route-fixture.ts";
import { rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { streamText } from "../support/stream-text.ts";

const fakes: FakeOpenAI[] = [];
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});

async function upstream(): Promise<FakeOpenAI> {
  const started = await startFakeOpenAI();
  fakes.push(started);
  return started;
}

async function twoUpstreams(): Promise<[FakeOpenAI, FakeOpenAI]> {
  return [await upstream(), await upstream()];
}

async function timed(response: Promise<Response>): Promise<{ response: Response; ms: number }> {
  const startedAt = performance.now();
  const answered = await response;
  return { response: answered, ms: performance.now() - startedAt };
}

describe("fallback and retries", () => {
  it("leaves a deployment that hangs past its timeoutMs for the next one", async () => {
    const [hanging, healthy] = await twoUpstreams();
    const org = await orgWithRoute(gateway, [hanging, healthy], {
      deployments: [{ timeoutMs: 300 }, {}],
    });
    hanging.script({ kind: "complete", holdFirstByte: true });
    const { response, ms } = await timed(gateway.call("/v1/chat/completions", ask(), org.secret));
    expect(response.status).toBe(200);
    expect(servedBy(response)).toBe("up1");
    expect(ms).toBeGreaterThanOrEqual(300);
    // The gateway hung up on the deployment it gave up on.
    expect(await hanging.requests[0]?.closed).toEqual({ aborted: true });
  });

  it("falls back when nothing listens at the first deployment", async () => {
    const healthy = await upstream();
    const refused = { baseUrl: "http://127.0.0.1:9/v1" } as FakeOpenAI;
    const org = await orgWithRoute(gateway, [refused, healthy]);
    const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
    expect(response.status).toBe(200);
    expect(servedBy(response)).toBe("up1");
  });

  it("retries a lone deployment's 503 after a backoff and is answered", async () => {
    const fake = await upstream();
    const org = await orgWithRoute(gateway, [fake]);
    fake.script({ kind: "error", status: 503, message: "overloaded" }, { kind: "complete" });
    const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-attempts")).toBe("2");
  });

  it("waits out a 429's Retry-After before retrying when it ends within the deadline", async () => {
    const fake = await upstream();
    const org = await orgWithRoute(gateway, [fake]);
    fake.script(
      { kind: "error", status: 429, message: "slow down", headers: { "retry-after-ms": "400" } },
      { kind: "complete" },
    );
    const { response, ms } = await timed(gateway.call("/v1/chat/completions", ask(), org.secret));
    expect(response.status).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(fake.requests).toHaveLength(2);
  });

  it("does not wait for a Retry-After that ends past the deadline: it answers 503 at once", async () => {
    const fake = await upstream();
    const org = await orgWithRoute(gateway, [fake]);
    fake.script({
      kind: "error",
      status: 429,
      message: "slow down",
      headers: { "retry-after": "120" },
    });
    const { response, ms } = await timed(gateway.call("/v1/chat/completions", ask(), org.secret));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("120");
    expect(ms).toBeLessThan(5_000);
    expect(fake.requests).toHaveLength(1);
    const body = await response.json();
    expect(body.error.message).toContain("Retry-After ends after the request deadline");
  });
});

describe("the attempts", () => {
  it("are stored in the usage record: deployment, status, error kind and latency each", async () => {
    const [failing, healthy] = await twoUpstreams();
    const org = await orgWithRoute(gateway, [failing, healthy]);
    failing.script({ kind: "error", status: 503, message: "overloaded" });
    const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-attempts")).toBe("2");
    await gateway.services.background.drain();
    const [record] = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, response.headers.get("x-request-id") ?? ""));
    expect(record?.attempts).toBe(2);
    expect(record?.attemptLog).toEqual([
      {
        deployment: "up0/model-0",
        status: 503,
        error: "upstream_http",
        latencyMs: expect.any(Number),
      },
      { deployment: "up1/model-1", status: 200, error: null, latencyMs: expect.any(Number) },
    ]);
  });
});

describe("streams through a route", () => {
  async function inFlight(org: { orgId: string }): Promise<number[]> {
    const resolved = await gateway.services.models.resolve(rawId(org.orgId), "smart");
    const health = await gateway.services.health.read(resolved?.deployments ?? [], Date.now());
    return health.map((entry) => entry.inFlight);
  }

  it("closes the upstream when the client goes away mid-stream, and stops counting it busy", async () => {
    const fake = await upstream();
    const org = await orgWithRoute(gateway, [fake], { strategy: "LEAST_BUSY" });
    fake.script({ kind: "stream", deltas: ["partial", " never", " sent"], holdAfter: 2 });
    const client = new AbortController();
    const response = await gateway.call(
      "/v1/chat/completions",
      ask("smart", { stream: true }),
      org.secret,
      {},
      client.signal,
    );
    const { reader, until } = streamText(response);
    await until('"partial"');
    expect(await inFlight(org)).toEqual([1]);
    const waiting = reader.read();
    client.abort(new Error("client disconnected"));
    await reader.cancel();
    expect((await waiting).done).toBe(true);
    expect(await fake.requests[0]?.closed).toEqual({ aborted: true });
    fake.release();
    await gateway.services.background.drain();
    expect(await inFlight(org)).toEqual([0]);
  });

  it("ends a stream the upstream cuts with an in-band error event, without falling back", async () => {
    const [cutting, healthy] = await twoUpstreams();
    const org = await orgWithRoute(gateway, [cutting, healthy]);
    cutting.script({ kind: "stream", deltas: ["a", "b", "c"], disconnectAfter: 1 });
    const response = await gateway.call(
      "/v1/chat/completions",
      ask("smart", { stream: true }),
      org.secret,
    );
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split("\n\n")
      .filter((event) => event.startsWith("data: "));
    expect(JSON.parse(events.at(-1)?.slice(6) ?? "{}").error).toMatchObject({ type: "api_error" });
    // The client already had the first bytes: no second deployment behind its back.
    expect(healthy.requests).toHaveLength(0);
    await gateway.services.background.drain();
    expect(await inFlight(org)).toEqual([0, 0]);
  });
});

describe("when every deployment fails", () => {
  it("answers 504 within the request deadline while the upstreams hang, naming what was tried", async () => {
    const [first, second] = await twoUpstreams();
    const org = await orgWithRoute(gateway, [first, second], {
      deployments: [{ timeoutMs: 400 }, {}],
    });
    first.script({ kind: "complete", holdFirstByte: true });
    second.script({ kind: "complete", holdFirstByte: true });
    const { response, ms } = await timed(
      gateway.call("/v1/chat/completions", ask(), org.secret, {
        "x-switchyard-request-timeout": "1200",
      }),
    );
    expect(response.status).toBe(504);
    expect(ms).toBeGreaterThanOrEqual(1_150);
    expect(ms).toBeLessThan(3_000);
    const body = await response.json();
    expect(body.error).toMatchObject({ type: "api_error", code: "upstream_timeout" });
    expect(body.error.message).toContain("deadline of 1200 ms");
    expect(body.error.message).toContain("up0/model-0");
    expect(body.error.message).toContain("up1/model-1");
    expect(await second.requests[0]?.closed).toEqual({ aborted: true });
  });

  it("answers 502 listing every deployment and its error", async () => {
    const [first, second] = await twoUpstreams();
    const org = await orgWithRoute(gateway, [first, second]);
    first.script({ kind: "error", status: 500, message: "first exploded" });
    second.script({ kind: "error", status: 502, message: "second exploded" });
    const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
    expect(response.status).toBe(502);
    const body = await response.json();
    expect(body.error.code).toBe("upstream_error");
    expect(body.error.message).toMatch(/up0\/model-0: HTTP 500: .*first exploded/);
    expect(body.error.message).toMatch(/up1\/model-1: HTTP 502: .*second exploded/);
    // One retry round: each deployment twice.
    expect(response.headers.get("x-switchyard-attempts")).toBe("4");
  });

  it("refuses a request deadline header that is not a number of milliseconds", async () => {
    const fake = await upstream();
    const org = await orgWithRoute(gateway, [fake]);
    const response = await gateway.call("/v1/chat/completions", ask(), org.secret, {
      "x-switchyard-request-timeout": "soon",
    });
    expect(response.status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });
});
