/**
 * Circuit breakers through the gateway, shared by two instances of one deployment over the same
 * Redis and moved through time by the injected clock: a deployment that keeps failing is
 * ejected on every instance, skipped without a network call, probed once after 30 s, and
 * closed again when the probe succeeds.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { ask, orgWithRoute, servedBy } from "./route-fixture.ts";

let flaky: FakeOpenAI;
let steady: FakeOpenAI;
let first: TestGateway;
let second: TestGateway;
let now = Date.parse("2026-12-01T12:00:00Z");
const clock = () => now;

beforeAll(async () => {
  [flaky, steady] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  first = await startTestGateway({ clock });
  second = await startTestGateway({ clock, sameDeploymentAs: first });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
  await flaky?.close();
  await steady?.close();
});

async function call(gateway: TestGateway, secret: string): Promise<Response> {
  const response = await gateway.call("/v1/chat/completions", ask(), secret);
  await response.text();
  // Health is written off the response path; wait for it like the next request would.
  await gateway.services.background.drain();
  return response;
}

it("opens on one instance, is skipped on the other, half-opens after 30 s and closes", async () => {
  const org = await orgWithRoute(first, [flaky, steady]);
  flaky.script({ kind: "error", status: 503, message: "overloaded" });

  // Five consecutive 503s, spread over both instances: each call still answered by fallback.
  for (const gateway of [first, second, first, second, first]) {
    const response = await call(gateway, org.secret);
    expect(response.status).toBe(200);
    expect(servedBy(response)).toBe("up1");
    expect(response.headers.get("x-switchyard-attempts")).toBe("2");
    now += 100;
  }
  expect(flaky.requests.length).toBe(5);

  // Open: the other instance skips it without a network call.
  const skipped = await call(second, org.secret);
  expect(servedBy(skipped)).toBe("up1");
  expect(skipped.headers.get("x-switchyard-attempts")).toBe("1");
  expect(flaky.requests.length).toBe(5);

  // 30 s later it is half-open: the next call probes it, and its success closes the circuit.
  now += 30_000;
  flaky.script({ kind: "complete" });
  const probe = await call(first, org.secret);
  expect(servedBy(probe)).toBe("up0");
  expect(flaky.requests.length).toBe(6);
  const closed = await call(second, org.secret);
  expect(servedBy(closed)).toBe("up0");
});

it("lets one call probe a half-open deployment while the others skip it", async () => {
  const org = await orgWithRoute(first, [flaky, steady]);
  flaky.script({ kind: "error", status: 500, message: "broken" });
  for (let i = 0; i < 5; i++) await call(first, org.secret);
  now += 31_000;

  flaky.script({ kind: "complete", holdFirstByte: true }, { kind: "complete" });
  const before = flaky.requests.length;
  const probing = first.call("/v1/chat/completions", ask(), org.secret);
  await waitFor(() => flaky.requests.length > before);
  // While the probe is out, the other instance does not send a second one.
  const meanwhile = await call(second, org.secret);
  expect(servedBy(meanwhile)).toBe("up1");
  expect(flaky.requests.length).toBe(before + 1);

  flaky.release();
  const probe = await probing;
  await probe.text();
  await first.services.background.drain();
  expect(servedBy(probe)).toBe("up0");
  expect(servedBy(await call(second, org.secret))).toBe("up0");
});

it("ejects again for another 30 s when the probe fails", async () => {
  const org = await orgWithRoute(first, [flaky, steady]);
  flaky.script({ kind: "error", status: 502, message: "bad gateway" });
  for (let i = 0; i < 5; i++) await call(first, org.secret);
  now += 30_000;
  const before = flaky.requests.length;
  await call(second, org.secret); // the probe, failing
  expect(flaky.requests.length).toBe(before + 1);
  now += 29_000;
  await call(first, org.secret);
  expect(flaky.requests.length).toBe(before + 1);
});

it("answers 503 naming the open circuit when every deployment is ejected", async () => {
  const org = await orgWithRoute(first, [flaky]);
  flaky.script({ kind: "error", status: 500, message: "broken" });
  for (let i = 0; i < 3; i++) await call(first, org.secret); // a retry each: 6 failures
  const before = flaky.requests.length;
  const response = await first.call("/v1/chat/completions", ask(), org.secret);
  expect(response.status).toBe(503);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  const body = await response.json();
  expect(body.error.code).toBe("upstream_unavailable");
  expect(body.error.message).toContain("up0/model-0: skipped, circuit open");
  expect(flaky.requests.length).toBe(before);
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
