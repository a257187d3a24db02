/** PRIORITY: lowest `priority` first; equal priorities keep the order they were listed in. */
import type { RoutedDeployment } from "./types.ts";

export function priorityOrder<D extends RoutedDeployment>(deployments: readonly D[]): D[] {
  // Array.prototype.sort is stable, so listed order breaks ties.
  return [...deployments].sort((a, b) => a.priority - b.priority);
}
