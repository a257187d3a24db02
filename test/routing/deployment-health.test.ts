/**
 * The shared health of a deployment in Redis (embedded, or REDIS_URL): the circuit breaker's
 * rules and the in-flight count, driven through the store with explicit times.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { breakerVerdict } from "../../functions/routing/health/circuit-breaker.ts";
import type { HealthStore } from "../../functions/routing/health/health-store.ts";
import type { Deployment } from "../../functions/routing/model-directory.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let store: HealthStore;
beforeAll(async () => {
  gateway = await startTestGateway();
  store = gateway.services.health;
});
afterAll(() => gateway?.close());

let serial = 0;
function deployment(): Deployment {
  serial += 1;
  const providerId = crypto.randomUUID();
  return {
    label: `p${serial}/m`,
    providerName: `p${serial}`,
    providerId,
    target: {
      kind: "openai-compatible",
      name: `p${serial}`,
      baseUrl: null,
      apiKey: null,
      config: {},
      model: "m",
    },
  };
}

const T0 = 1_800_000_000_000;
const fail = (d: Deployment, at: number) =>
  store.record(d, { outcome: "failure", latencySampleMs: null }, at);
const succeed = (d: Deployment, at: number, latencyMs: number | null = null) =>
  store.record(d, { outcome: "success", latencySampleMs: latencyMs }, at);
const verdict = async (d: Deployment, at: number) =>
  breakerVerdict(
    (await store.read([d], at))[0]?.breaker ?? { open: false, openUntil: 0, probeUntil: 0 },
    at,
  );

describe("circuit breaker", () => {
  it("opens after 5 consecutive failures, not 4", async () => {
    const d = deployment();
    for (let i = 0; i < 4; i++) await fail(d, T0 + i);
    expect(await verdict(d, T0 + 10)).toBe("closed");
    await fail(d, T0 + 11);
    expect(await verdict(d, T0 + 12)).toBe("open");
  });

  it("counts only consecutive failures: a success in between starts again", async () => {
    const d = deployment();
    for (let i = 0; i < 4; i++) await fail(d, T0 + i);
    await succeed(d, T0 + 5);
    for (let i = 0; i < 4; i++) await fail(d, T0 + 10 + i);
    expect(await verdict(d, T0 + 20)).toBe("closed");
  });

  it("opens on a failure rate of half over 20 calls in the window, without 5 in a row", async () => {
    const d = deployment();
    for (let i = 0; i < 19; i++) await (i % 2 === 0 ? fail(d, T0 + i) : succeed(d, T0 + i));
    expect(await verdict(d, T0 + 19)).toBe("closed");
    await fail(d, T0 + 20); // 20 calls, 10 failed (every other one)
    expect(await verdict(d, T0 + 21)).toBe("open");
  });

  it("forgets a window's failure rate once the window has passed", async () => {
    const d = deployment();
    for (let i = 0; i < 18; i++) await (i % 2 === 0 ? fail(d, T0 + i) : succeed(d, T0 + i));
    const later = T0 + 10_001;
    await succeed(d, later);
    await fail(d, later + 1);
    await fail(d, later + 2);
    expect(await verdict(d, later + 3)).toBe("closed");
  });

  it("is open for 30 s, then half-open with exactly one probe", async () => {
    const d = deployment();
    for (let i = 0; i < 5; i++) await fail(d, T0 + i);
    expect(await verdict(d, T0 + 4 + 29_999)).toBe("open");
    const cooled = T0 + 4 + 30_000;
    expect(await verdict(d, cooled)).toBe("half_open");
    expect(await store.claimProbe(d, cooled, 5_000)).toBe(true);
    expect(await store.claimProbe(d, cooled + 1, 5_000)).toBe(false);
    // Another reader now sees it open until the probe's lease ends.
    expect(await verdict(d, cooled + 2)).toBe("open");
  });

  it("closes when the probe succeeds", async () => {
    const d = deployment();
    for (let i = 0; i < 5; i++) await fail(d, T0 + i);
    const cooled = T0 + 40_000;
    expect(await store.claimProbe(d, cooled, 5_000)).toBe(true);
    await succeed(d, cooled + 10);
    expect(await verdict(d, cooled + 11)).toBe("closed");
  });

  it("ejects again for 30 s when the probe fails", async () => {
    const d = deployment();
    for (let i = 0; i < 5; i++) await fail(d, T0 + i);
    const cooled = T0 + 40_000;
    expect(await store.claimProbe(d, cooled, 5_000)).toBe(true);
    await fail(d, cooled + 10);
    expect(await verdict(d, cooled + 11 + 29_000)).toBe("open");
    expect(await verdict(d, cooled + 10 + 30_000)).toBe("half_open");
  });

  it("does not extend the ejection for calls that began before it and fail during it", async () => {
    const d = deployment();
    for (let i = 0; i < 5; i++) await fail(d, T0 + i);
    await fail(d, T0 + 20_000);
    expect(await verdict(d, T0 + 4 + 30_000)).toBe("half_open");
  });
});

describe("latency and calls in flight", () => {
  it("averages latency samples with more weight on the recent ones", async () => {
    const d = deployment();
    await succeed(d, T0, 100);
    await succeed(d, T0 + 1, 1_100);
    const [health] = await store.read([d], T0 + 2);
    expect(health?.latency).toEqual({ ewmaMs: 400, at: T0 + 1 });
  });

  it("counts calls in flight until they leave, and stops counting a lease that expired", async () => {
    const d = deployment();
    await store.enter(d, "call-1", T0);
    await store.enter(d, "call-2", T0);
    expect((await store.read([d], T0 + 1))[0]?.inFlight).toBe(2);
    await store.leave(d, "call-1");
    expect((await store.read([d], T0 + 2))[0]?.inFlight).toBe(1);
    // call-2's instance died: its mark ends with its lease (15 min), not never.
    expect((await store.read([d], T0 + 15 * 60_000 + 1))[0]?.inFlight).toBe(0);
  });

  it("reads a deployment never seen as closed, unmeasured and idle", async () => {
    expect(await store.read([deployment()], T0)).toEqual([
      { breaker: { open: false, openUntil: 0, probeUntil: 0 }, latency: null, inFlight: 0 },
    ]);
  });
});
