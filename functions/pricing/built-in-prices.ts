/**
 * The few prices no dataset can have: Switchyard's own mock and self-hosted models. Everything a
 * provider sells comes from the dataset (genai-prices.ts); an org's own prices from its overrides.
 * Keys are `<provider kind>/<model>`, or `<provider kind>/*` for every model of a kind.
 */
import { type ModelPrice, tokenRates } from "./model-price.ts";
import { parseNanoUsd } from "./usd.ts";

interface BuiltInEntry {
  /** USD per million tokens, as decimal text so the table is exact as written. */
  inputUsdPerMillion: string;
  outputUsdPerMillion: string;
  cachedInputUsdPerMillion?: string;
  source: string;
  asOf: string;
}

const BUILT_IN_TABLE: Readonly<Record<string, BuiltInEntry>> = {
  "mock/echo": {
    inputUsdPerMillion: "0.1",
    outputUsdPerMillion: "0.2",
    cachedInputUsdPerMillion: "0.05",
    source:
      "Switchyard: the built-in mock is priced small but not free, so that accounting and budgets show up in demos and load tests",
    asOf: "2025-07-01",
  },
  "ollama/*": {
    inputUsdPerMillion: "0",
    outputUsdPerMillion: "0",
    source: "Switchyard: Ollama runs models on the operator's own machines; no per-token charge",
    asOf: "2026-12-01",
  },
};

const BUILT_IN_PRICES: ReadonlyMap<string, ModelPrice> = new Map(
  Object.entries(BUILT_IN_TABLE).map(([key, entry]) => [key, toModelPrice(key, entry)]),
);

/** The built-in price of `model` on a provider of kind `kind`, or null. */
export function builtInPrice(kind: string, model: string): ModelPrice | null {
  return BUILT_IN_PRICES.get(`${kind}/${model}`) ?? BUILT_IN_PRICES.get(`${kind}/*`) ?? null;
}

function toModelPrice(key: string, entry: BuiltInEntry): ModelPrice {
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
