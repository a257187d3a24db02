/**
 * The circuit-state gauge on /metrics: read from the breakers' shared state at scrape time, for
 * every deployment this instance has called. A deployment that keeps failing on a fake upstream
 * shows open (2), its healthy sibling closed (0), and half-open (1) once the ejection is over.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../functions/app.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { ask, orgWithRoute } from "../routing/route-fixture.ts";
import { rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";

const METRICS_TOKEN = `metrics-${crypto.randomUUID()}`;
let flaky: FakeOpenAI;
let steady: FakeOpenAI;
let gateway: TestGateway;
let now = Date.parse("2026-12-01T12:00:00Z");

beforeAll(async () => {
  [flaky, steady] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  gateway = await startTestGateway({
    clock: () => now,
    env: { SWITCHYARD_METRICS_TOKEN: METRICS_TOKEN },
  });
});
afterAll(async () => {
  await gateway?.close();
  await flaky?.close();
  await steady?.close();
});

async function scrape(): Promise<string> {
  const response = await createApp(gateway.services).fetch(
    new Request("http://gateway.test/metrics", {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    }),
  );
  expect(response.status).toBe(200);
  return response.text();
}

const stateOf = (text: string, deployment: string, providerId: string) => {
  const line = text
    .split("\n")
    .find((l) =>
      l.startsWith(
        `switchyard_deployment_circuit_state{deployment="${deployment}",provider_id="${providerId}"}`,
      ),
    );
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
};

it("shows a deployment's breaker open after failing upstream calls, closed for the healthy one, half-open after the ejection", async () => {
  const org = await orgWithRoute(gateway, [flaky, steady]);
  const [flakyId = "", steadyId = ""] = org.providerIds.map(rawId);
  expect(await scrape()).not.toContain(`provider_id="${flakyId}"`);

  flaky.script({ kind: "error", status: 503, message: "overloaded" });
  for (let i = 0; i < 5; i++) {
    const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
    expect(response.status).toBe(200);
    await response.text();
    await gateway.services.background.drain();
    now += 100;
  }
  const open = await scrape();
  expect(open).toContain("# TYPE switchyard_deployment_circuit_state gauge");
  expect(stateOf(open, "up0/model-0", flakyId)).toBe(2);
  expect(stateOf(open, "up1/model-1", steadyId)).toBe(0);

  now += 30_000;
  expect(stateOf(await scrape(), "up0/model-0", flakyId)).toBe(1);
});
