/**
 * WEIGHTED: the first deployment is drawn at random in proportion to its weight; the others
 * follow in priority order as the fallback. `random` returns a number in [0, 1) (Math.random,
 * or a seeded source in tests).
 */
import { priorityOrder } from "./priority.ts";
import type { RoutedDeployment } from "./types.ts";

export function weightedOrder<D extends RoutedDeployment>(
  deployments: readonly D[],
  random: () => number,
): D[] {
  const ordered = priorityOrder(deployments);
  const total = ordered.reduce((sum, deployment) => sum + Math.max(0, deployment.weight), 0);
  if (total <= 0) return ordered;
  let point = random() * total;
  let chosen = ordered.length - 1;
  for (const [index, deployment] of ordered.entries()) {
    point -= Math.max(0, deployment.weight);
    if (point < 0) {
      chosen = index;
      break;
    }
  }
  const first = ordered[chosen];
  if (first === undefined) return ordered;
  return [first, ...ordered.filter((_, index) => index !== chosen)];
}
