/**
 * The few prices no dataset can have: Switchyard's own mock and self-hosted models, declared in
 * their provider's descriptor (`prices.builtIn`). Everything a provider sells comes from the
 * dataset (genai-prices.ts); an org's own prices from its overrides.
 */
import { type BuiltInPrice, providerDescriptors } from "../providers/index.ts";
import { type ModelPrice, tokenRates } from "./model-price.ts";
import { parseNanoUsd } from "./usd.ts";

/** Every provider descriptor's own prices, keyed `<kind>/<model>` (`<kind>/*`: any model). */
const BUILT_IN_PRICES: ReadonlyMap<string, ModelPrice> = new Map(
  providerDescriptors().flatMap(({ kind, prices }) =>
    Object.entries(prices.builtIn ?? {}).map(([model, entry]): [string, ModelPrice] => {
      const key = `${kind}/${model}`;
      return [key, toModelPrice(key, entry)];
    }),
  ),
);

/** The built-in price of `model` on a provider of kind `kind`, or null. */
export function builtInPrice(kind: string, model: string): ModelPrice | null {
  return BUILT_IN_PRICES.get(`${kind}/${model}`) ?? BUILT_IN_PRICES.get(`${kind}/*`) ?? null;
}

function toModelPrice(key: string, entry: BuiltInPrice): ModelPrice {
  const nano = (text: string | undefined) => {
    if (text === undefined) return null;
    const parsed = parseNanoUsd(text);
    if (!parsed.ok) throw new Error(`built-in price ${key}: ${text} ${parsed.reason}`);
    return Number(parsed.nanoUsd);
  };
  return {
    rates: tokenRates({
      input: nano(entry.inputUsdPerMillion) ?? 0,
      output: nano(entry.outputUsdPerMillion) ?? 0,
      cachedInput: nano(entry.cachedInputUsdPerMillion),
    }),
    tiers: [],
    known: true,
    source: `built-in ${key} (${entry.source}; as of ${entry.asOf})`,
  };
}
