/**
 * Retries, timeouts and the request deadline against fault-injecting upstreams: a hanging
 * deployment is left after its timeoutMs, a 429's Retry-After is waited only when it ends within
 * the deadline, and a call every deployment fails is answered with the documented error within
 * the deadline, naming each deployment tried.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { ask, orgWithRoute, servedBy } from "../routing/route-fixture.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

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
