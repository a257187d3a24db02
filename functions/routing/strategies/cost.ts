/**
 * COST: cheapest first for this request, priced at the org's prices (its overrides, then list
 * prices) for the request's estimated usage; equal costs keep priority order. A deployment with
 * no known price goes after every priced one: "cheapest" cannot be claimed for it.
 */
import { costNanoUsd } from "../../pricing/model-price.ts";
import type { PriceBook } from "../../pricing/price-book.ts";
import type { Usage } from "../../providers/types.ts";
import { priorityOrder } from "./priority.ts";
import type { RoutedDeployment } from "./types.ts";

export function costOrder<D extends RoutedDeployment>(
  deployments: readonly D[],
  prices: PriceBook,
  usage: Usage,
  at: number,
): D[] {
  const priced = priorityOrder(deployments).map((deployment) => {
    const price = prices.priceOf(deployment, at);
    return {
      deployment,
      cost: price.known ? costNanoUsd(price, usage) : Number.POSITIVE_INFINITY,
    };
  });
  return priced.sort((a, b) => a.cost - b.cost).map(({ deployment }) => deployment);
}
