/**
 * LEAST_BUSY: fewest calls in flight first, counted on every instance (routing/health). Equal
 * counts are ordered at random, so a burst of calls that all read the same counts spreads over
 * the idle deployments instead of piling onto the first one.
 */
import type { DeploymentHealth } from "../health/health-store.ts";
import type { RoutedDeployment } from "./types.ts";

export function leastBusyOrder<D extends RoutedDeployment>(
  deployments: readonly D[],
  healthOf: (deployment: D) => DeploymentHealth,
  random: () => number,
): D[] {
  return deployments
    .map((deployment) => ({
      deployment,
      inFlight: healthOf(deployment).inFlight,
      tieBreak: random(),
    }))
    .sort((a, b) => a.inFlight - b.inFlight || a.tieBreak - b.tieBreak)
    .map(({ deployment }) => deployment);
}
