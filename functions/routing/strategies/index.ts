/**
 * A route's strategy → the order its deployments are tried in. Each strategy is a pure function
 * in its own file; this picks one and hands it what it needs.
 */
import type { PriceBook } from "../../pricing/price-book.ts";
import type { Usage } from "../../providers/types.ts";
import type { DeploymentHealth } from "../health/health-store.ts";
import { costOrder } from "./cost.ts";
import { latencyOrder } from "./latency.ts";
import { leastBusyOrder } from "./least-busy.ts";
import { priorityOrder } from "./priority.ts";
import type { RoutedDeployment } from "./types.ts";
import { weightedOrder } from "./weighted.ts";

/** The strategies the gateway implements (the database enum's values). */
export const ROUTE_STRATEGIES = ["PRIORITY", "WEIGHTED", "LATENCY", "LEAST_BUSY", "COST"] as const;
export type ImplementedStrategy = (typeof ROUTE_STRATEGIES)[number];

export function isImplementedStrategy(value: string): value is ImplementedStrategy {
  return (ROUTE_STRATEGIES as readonly string[]).includes(value);
}

export interface OrderInputs<D extends RoutedDeployment = RoutedDeployment> {
  random: () => number;
  prices: PriceBook;
  /** The request's estimated usage (COST prices it). */
  usage: Usage;
  /** When the call is made (epoch ms), for dated prices and the age of latency samples. */
  at: number;
  /** Shared health of each deployment (LATENCY, LEAST_BUSY). */
  healthOf: (deployment: D) => DeploymentHealth;
}

export function orderByStrategy<D extends RoutedDeployment>(
  strategy: ImplementedStrategy,
  deployments: readonly D[],
  inputs: OrderInputs<D>,
): D[] {
  switch (strategy) {
    case "PRIORITY":
      return priorityOrder(deployments);
    case "WEIGHTED":
      return weightedOrder(deployments, inputs.random);
    case "LATENCY":
      return latencyOrder(deployments, inputs.healthOf, inputs.at);
    case "LEAST_BUSY":
      return leastBusyOrder(deployments, inputs.healthOf, inputs.random);
    case "COST":
      return costOrder(deployments, inputs.prices, inputs.usage, inputs.at);
  }
}
