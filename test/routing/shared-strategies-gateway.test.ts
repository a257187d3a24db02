/**
 * LATENCY and LEAST_BUSY through the gateway, with their state shared through Redis between
 * two instances of one deployment: a deployment that answered slowly is passed over for a faster
 * one, and calls held open spread over the deployments with the fewest in flight.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { ask, orgWithRoute, servedBy } from "./route-fixture.ts";

let fakes: [FakeOpenAI, FakeOpenAI];
let first: TestGateway;
let second: TestGateway;

beforeAll(async () => {
  fakes = [await startFakeOpenAI(), await startFakeOpenAI()];
  first = await startTestGateway();
  second = await startTestGateway({ sameDeploymentAs: first });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});

async function answered(gateway: TestGateway, response: Promise<Response>): Promise<Response> {
  const done = await response;
  await done.text();
  await gateway.services.background.drain();
  return done;
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

it("LATENCY: after a slow answer, calls on every instance go to the faster deployment", async () => {
  const [slow, fast] = fakes;
  const org = await orgWithRoute(first, [slow, fast], { strategy: "LATENCY" });
  // Neither is measured yet, so the first in priority order is tried, and it is slow.
  slow.script({ kind: "complete", holdFirstByte: true }, { kind: "complete" });
  const before = slow.requests.length;
  const calling = first.call("/v1/chat/completions", ask(), org.secret);
  await waitFor(() => slow.requests.length > before);
  setTimeout(() => slow.release(), 300);
  expect(servedBy(await answered(first, calling))).toBe("up0");

  for (const gateway of [second, first, second]) {
    const response = await answered(
      gateway,
      gateway.call("/v1/chat/completions", ask(), org.secret),
    );
    expect(servedBy(response)).toBe("up1");
  }
  expect(slow.requests.length).toBe(before + 1);
});

it("LEAST_BUSY: calls held open spread evenly over both deployments, across instances", async () => {
  const [a, b] = fakes;
  const org = await orgWithRoute(first, [a, b], { strategy: "LEAST_BUSY" });
  a.script({ kind: "complete", holdFirstByte: true });
  b.script({ kind: "complete", holdFirstByte: true });
  const [beforeA, beforeB] = [a.requests.length, b.requests.length];
  const received = () => a.requests.length - beforeA + (b.requests.length - beforeB);
  const pending: Array<Promise<Response>> = [];
  for (const [index, gateway] of [first, second, first, second, first, second].entries()) {
    pending.push(gateway.call("/v1/chat/completions", ask(), org.secret));
    // The next call decides once this one is in flight upstream.
    await waitFor(() => received() > index);
  }
  expect(a.requests.length - beforeA).toBe(3);
  expect(b.requests.length - beforeB).toBe(3);

  a.script({ kind: "complete" });
  b.script({ kind: "complete" });
  a.release();
  b.release();
  for (const response of await Promise.all(pending)) expect(response.status).toBe(200);
  await Promise.all(pending.map(async (response) => (await response).text()));
  await first.services.background.drain();
  await second.services.background.drain();

  // Every call left: nothing is counted in flight any more.
  const { deployments } = (await first.services.models.resolve(rawId(org.orgId), "smart")) ?? {
    deployments: [],
  };
  const health = await first.services.health.read(deployments, Date.now());
  expect(health.map((entry) => entry.inFlight)).toEqual([0, 0]);
});
