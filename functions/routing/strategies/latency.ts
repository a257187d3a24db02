/**
 * LATENCY: lowest recent latency first. Each deployment's latency is an exponentially weighted
 * average every instance feeds after each attempt (routing/health); here it is decayed by its
 * age, halving every `halfLifeMs`, so a deployment that was slow a while ago is tried again
 * rather than starved forever, and one never measured (no sample) is tried first. Equal scores
 * keep priority order.
 */
import type { DeploymentHealth } from "../health/health-store.ts";
import { priorityOrder } from "./priority.ts";
import type { RoutedDeployment } from "./types.ts";

export const LATENCY_HALF_LIFE_MS = 5 * 60_000;

export function latencyScore(
  latency: DeploymentHealth["latency"],
  now: number,
  halfLifeMs: number = LATENCY_HALF_LIFE_MS,
): number {
  if (latency === null) return 0;
  const age = Math.max(0, now - latency.at);
  return latency.ewmaMs * 2 ** (-age / halfLifeMs);
}

export function latencyOrder<D extends RoutedDeployment>(
  deployments: readonly D[],
  healthOf: (deployment: D) => DeploymentHealth,
  now: number,
): D[] {
  return priorityOrder(deployments)
    .map((deployment) => ({ deployment, score: latencyScore(healthOf(deployment).latency, now) }))
    .sort((a, b) => a.score - b.score)
    .map(({ deployment }) => deployment);
}
