/**
 * An org's prices: its own overrides (setModelPrice: negotiated prices, fine-tunes, models no
 * dataset knows), then the list prices of the dataset, then the built-in table. Built once per
 * org each time its limits are loaded (limits-config.ts), so a call looks prices up without I/O.
 */
import type { Deployment } from "../routing/model-directory.ts";
import { builtInPrice } from "./built-in-prices.ts";
import type { ListPrices } from "./genai-prices.ts";
import { type ModelPrice, type TokenRates, UNKNOWN_PRICE } from "./model-price.ts";

export interface PriceOverride {
  /**
   * What the override prices: `<provider name>/<model>` (one deployment, as clients address
   * it), `<provider kind>/<model>`, or a bare model name on any provider.
   */
  model: string;
  rates: TokenRates;
}

/** The deployment fields a price depends on. */
export type PricedDeployment = Pick<Deployment, "providerName"> & {
  target: Pick<Deployment["target"], "kind" | "model">;
};

export interface PriceBook {
  /** The price of a call on `deployment` made at `at` (epoch ms); UNKNOWN_PRICE if none. */
  priceOf(deployment: PricedDeployment, at: number): ModelPrice;
}

// Dated snapshots and "-latest" aliases fall back to their family's override:
// gpt-4o-2024-08-06 → gpt-4o, claude-sonnet-4-20250514 → claude-sonnet-4.
const SNAPSHOT_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

export function createPriceBook(list: ListPrices, overrides: readonly PriceOverride[]): PriceBook {
  const byName = new Map<string, ModelPrice>(
    overrides.map((override) => [
      override.model,
      {
        rates: override.rates,
        tiers: [],
        known: true,
        source: `org override "${override.model}"`,
      },
    ]),
  );

  function overrideFor({ providerName, target }: PricedDeployment): ModelPrice | null {
    if (byName.size === 0) return null;
    const family = target.model.replace(SNAPSHOT_SUFFIX, "");
    const models = family === target.model ? [target.model] : [target.model, family];
    for (const model of models) {
      for (const name of [`${providerName}/${model}`, `${target.kind}/${model}`, model]) {
        const price = byName.get(name);
        if (price) return price;
      }
    }
    return null;
  }

  return {
    priceOf(deployment, at) {
      const { kind, model } = deployment.target;
      return (
        overrideFor(deployment) ??
        list.priceOf(kind, model, new Date(at)) ??
        builtInPrice(kind, model) ??
        UNKNOWN_PRICE
      );
    },
  };
}
