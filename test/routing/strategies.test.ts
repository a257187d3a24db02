/** The routing strategies as pure functions: given deployments (and prices, randomness), an order. */
import { describe, expect, it } from "vitest";
import { createPriceBook } from "../../functions/pricing/price-book.ts";
import type { DeploymentHealth } from "../../functions/routing/health/health-store.ts";
import { costOrder } from "../../functions/routing/strategies/cost.ts";
import { LATENCY_HALF_LIFE_MS, latencyOrder } from "../../functions/routing/strategies/latency.ts";
import { leastBusyOrder } from "../../functions/routing/strategies/least-busy.ts";
import { priorityOrder } from "../../functions/routing/strategies/priority.ts";
import type { RoutedDeployment } from "../../functions/routing/strategies/types.ts";
import { weightedOrder } from "../../functions/routing/strategies/weighted.ts";

function deployment(
  label: string,
  settings: { weight?: number; priority?: number } = {},
): RoutedDeployment {
  const [providerName = "p", model = label] = label.split("/");
  return {
    label,
    providerName,
    providerId: null,
    target: {
      kind: "openai-compatible",
      name: providerName,
      baseUrl: null,
      apiKey: null,
      config: {},
      model,
    },
    weight: settings.weight ?? 1,
    priority: settings.priority ?? 0,
  };
}

const labels = (deployments: readonly RoutedDeployment[]) => deployments.map((d) => d.label);

/** mulberry32: a small seeded generator, so the draws are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("PRIORITY", () => {
  it("tries the lowest priority first and keeps listed order among equals", () => {
    const order = priorityOrder([
      deployment("a/late", { priority: 2 }),
      deployment("b/first", { priority: 0 }),
      deployment("c/second", { priority: 1 }),
      deployment("d/also-second", { priority: 1 }),
    ]);
    expect(labels(order)).toEqual(["b/first", "c/second", "d/also-second", "a/late"]);
  });
});

describe("WEIGHTED", () => {
  const deployments = [
    deployment("a/one", { weight: 1 }),
    deployment("b/three", { weight: 3 }),
    deployment("c/six", { weight: 6 }),
  ];

  it("draws the first deployment in proportion to its weight over many calls", () => {
    const random = seeded(17);
    const draws = 20_000;
    const firsts = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const [first] = weightedOrder(deployments, random);
      if (first) firsts.set(first.label, (firsts.get(first.label) ?? 0) + 1);
    }
    // Expected shares 0.1, 0.3, 0.6; five standard deviations of a binomial share is < 0.02.
    for (const [label, share] of [
      ["a/one", 0.1],
      ["b/three", 0.3],
      ["c/six", 0.6],
    ] as const) {
      expect(Math.abs((firsts.get(label) ?? 0) / draws - share)).toBeLessThan(0.02);
    }
  });

  it("follows the drawn deployment with every other one as fallback, in priority order", () => {
    // Weights 1, 3, 6 split [0, 10) into [0, 1), [1, 4), [4, 10): 0.5 → 5, 0 → 0, 0.15 → 1.5.
    expect(labels(weightedOrder(deployments, () => 0.5))).toEqual(["c/six", "a/one", "b/three"]);
    expect(labels(weightedOrder(deployments, () => 0))).toEqual(["a/one", "b/three", "c/six"]);
    expect(labels(weightedOrder(deployments, () => 0.15))).toEqual(["b/three", "a/one", "c/six"]);
  });
});

describe("COST", () => {
  const prices = createPriceBook({ priceOf: () => null }, [
    { model: "dear/big", rates: { input: 10_000, output: 30_000, cachedInput: 0, cacheWrite: 0 } },
    { model: "cheap/small", rates: { input: 150, output: 600, cachedInput: 0, cacheWrite: 0 } },
  ]);
  const usage = { inputTokens: 1_000, outputTokens: 500, cachedInputTokens: 0, estimated: true };

  it("puts the cheaper deployment first for the request's estimated tokens", () => {
    const order = costOrder([deployment("dear/big"), deployment("cheap/small")], prices, usage, 0);
    expect(labels(order)).toEqual(["cheap/small", "dear/big"]);
  });

  it("puts a deployment with no known price after every priced one", () => {
    const order = costOrder(
      [deployment("unknown/model"), deployment("dear/big")],
      prices,
      usage,
      0,
    );
    expect(labels(order)).toEqual(["dear/big", "unknown/model"]);
  });
});

/** A health lookup by label, for the strategies that read shared state. */
function healthBy(
  entries: Record<string, Partial<DeploymentHealth>>,
): (deployment: RoutedDeployment) => DeploymentHealth {
  return (deployment) => ({
    breaker: { open: false, openUntil: 0, probeUntil: 0 },
    latency: null,
    inFlight: 0,
    ...entries[deployment.label],
  });
}

describe("LATENCY", () => {
  const now = 1_800_000_000_000;
  const [slow, fast, fresh] = [deployment("s/slow"), deployment("f/fast"), deployment("n/new")];

  it("puts the lowest recent latency first", () => {
    const health = healthBy({
      "s/slow": { latency: { ewmaMs: 2_000, at: now } },
      "f/fast": { latency: { ewmaMs: 150, at: now } },
    });
    expect(labels(latencyOrder([slow, fast], health, now))).toEqual(["f/fast", "s/slow"]);
  });

  it("tries a deployment never measured first, so it gets measured", () => {
    const health = healthBy({ "f/fast": { latency: { ewmaMs: 150, at: now } } });
    expect(labels(latencyOrder([fast, fresh], health, now))).toEqual(["n/new", "f/fast"]);
  });

  it("lets an old slow measurement decay until the deployment is tried again", () => {
    const health = healthBy({
      "s/slow": { latency: { ewmaMs: 2_000, at: now - 5 * LATENCY_HALF_LIFE_MS } },
      "f/fast": { latency: { ewmaMs: 150, at: now } },
    });
    // 2000 ms halved five times is 62.5 ms: below the fresh 150 ms.
    expect(labels(latencyOrder([fast, slow], health, now))).toEqual(["s/slow", "f/fast"]);
  });
});

describe("LEAST_BUSY", () => {
  const [a, b, c] = [deployment("a/x"), deployment("b/x"), deployment("c/x")];

  it("puts the deployment with the fewest calls in flight first", () => {
    const health = healthBy({
      "a/x": { inFlight: 4 },
      "b/x": { inFlight: 1 },
      "c/x": { inFlight: 2 },
    });
    expect(labels(leastBusyOrder([a, b, c], health, seeded(1)))).toEqual(["b/x", "c/x", "a/x"]);
  });

  it("spreads ties at random instead of always picking the first listed", () => {
    const random = seeded(5);
    const health = healthBy({});
    const firsts = new Map<string, number>();
    for (let i = 0; i < 3_000; i++) {
      const [first] = leastBusyOrder([a, b, c], health, random);
      if (first) firsts.set(first.label, (firsts.get(first.label) ?? 0) + 1);
    }
    for (const label of ["a/x", "b/x", "c/x"]) {
      expect(Math.abs((firsts.get(label) ?? 0) / 3_000 - 1 / 3)).toBeLessThan(0.05);
    }
  });
});
