/**
 * List prices from the `@pydantic/genai-prices` dataset (MIT; maintained by Pydantic from the
 * providers' price pages, each provider with its `pricing_urls`), adapted to our integer
 * ModelPrice. The data ships inside the npm package: nothing is fetched at run time (we never
 * call its `updatePrices`), and the pinned version in package.json is the one whose prices we
 * charge. The module is large (~0.8 MB of JS, a few hundred ms to load), so it is imported on the
 * first call that needs a price, once per process; models are matched and converted on first
 * use and kept in an LRU, so a warm call pays a map lookup.
 *
 * Why this dataset: its prices are curated per provider (not per reseller), it carries cache
 * read and write prices, long-context tiers and dated price changes, and it matches the model
 * names providers answer with (dated snapshots, Bedrock's regional ids). README, "Prices".
 */
import type {
  calcPrice as DatasetCalcPrice,
  ModelPrice as DatasetPrice,
  ModelInfo,
  TieredPrices,
} from "@pydantic/genai-prices";
import { LRUCache } from "lru-cache";
import { descriptorOf } from "../providers/index.ts";
import { type ModelPrice, type TokenRates, tokenRates } from "./model-price.ts";
import { usdNumberToNano } from "./usd.ts";

/** The dataset we charge by; the version is pinned in package.json (a test checks they agree). */
export const PRICE_DATASET = { name: "@pydantic/genai-prices", version: "0.1.8" } as const;

export interface ListPrices {
  /** The dataset's price of `model` on a provider of kind `kind` at `at`; null if it has none. */
  priceOf(kind: string, model: string, at: Date): ModelPrice | null;
}

let loading: Promise<ListPrices> | null = null;

/** The dataset, imported on first use and shared by the whole process. */
export function loadListPrices(): Promise<ListPrices> {
  if (loading === null) {
    const started = import("@pydantic/genai-prices").then((dataset) =>
      listPricesFrom(dataset.calcPrice),
    );
    // A failed import (a broken install) is tried again by the next call, not cached.
    started.catch(() => {
      if (loading === started) loading = null;
    });
    loading = started;
  }
  return loading;
}

interface Match {
  providerId: string;
  model: ModelInfo;
}

const NO_MATCH = { none: true } as const;

/**
 * List prices over the dataset's matcher. Matching a name scans a provider's models (tens of
 * µs, hundreds for OpenRouter), so each (kind, model) is matched once; unknown names are
 * remembered too, so a client cannot make every call scan.
 */
export function listPricesFrom(calcPrice: typeof DatasetCalcPrice): ListPrices {
  const matches = new LRUCache<string, Match | typeof NO_MATCH>({ max: 5_000 });
  const converted = new WeakMap<DatasetPrice, ModelPrice | typeof NO_MATCH>();

  function match(kind: string, model: string): Match | null {
    const key = `${kind}\n${model}`;
    let found = matches.get(key);
    if (found === undefined) {
      found = findModel(calcPrice, kind, model) ?? NO_MATCH;
      matches.set(key, found);
    }
    return "none" in found ? null : found;
  }

  return {
    priceOf(kind, model, at) {
      const found = match(kind, model);
      if (found === null) return null;
      const prices = datasetPricesAt(found.model, at);
      let price = converted.get(prices);
      if (price === undefined) {
        const source = `${PRICE_DATASET.name}@${PRICE_DATASET.version} ${found.providerId}/${found.model.id}`;
        price = toModelPrice(prices, source) ?? NO_MATCH;
        converted.set(prices, price);
      }
      return "none" in price ? null : price;
    },
  };
}

function findModel(calcPrice: typeof DatasetCalcPrice, kind: string, model: string): Match | null {
  // Each provider's descriptor names its id in the dataset (`gemini` → `google`); null: any
  // upstream, the dataset finds the provider from the model's name (gpt-* → OpenAI); absent
  // (mock, ollama): the built-in table alone prices it.
  const providerId = descriptorOf(kind)?.prices.dataset;
  if (providerId === undefined) return null;
  try {
    // calcPrice is the dataset's public matcher (provider, model patterns, dated snapshots,
    // fallback providers); with no usage it prices nothing, we only keep what it matched.
    const result = calcPrice({}, model, providerId === null ? {} : { providerId });
    return result ? { providerId: result.provider.id, model: result.model } : null;
  } catch {
    // An entry the dataset itself cannot evaluate is as good as absent.
    return null;
  }
}

/**
 * The prices in force at `at`. A model's prices are either one set or a list of sets with
 * constraints (a start date, or a time of day such as DeepSeek's off-peak hours); as in the
 * dataset's own calculator, the last set whose constraint holds wins, else the first.
 */
export function datasetPricesAt(model: ModelInfo, at: Date): DatasetPrice {
  const { prices } = model;
  if (!Array.isArray(prices)) return prices;
  for (let index = prices.length - 1; index >= 0; index--) {
    const candidate = prices[index];
    if (!candidate) continue;
    const { constraint } = candidate;
    if (constraint === undefined) return candidate.prices;
    if (constraint.type === "start_date" && at >= new Date(constraint.start_date)) {
      return candidate.prices;
    }
    if (constraint.type === "time_of_date" && withinTimeOfDay(constraint, at)) {
      return candidate.prices;
    }
  }
  const first = prices[0];
  if (!first) throw new Error(`price dataset: model ${model.id} has an empty price list`);
  return first.prices;
}

function withinTimeOfDay(window: { start_time: string; end_time: string }, at: Date): boolean {
  const now =
    at.getUTCHours() * 3600 +
    at.getUTCMinutes() * 60 +
    at.getUTCSeconds() +
    at.getUTCMilliseconds() / 1000;
  const start = secondsOfDayUtc(window.start_time);
  const end = secondsOfDayUtc(window.end_time);
  if (start === null || end === null) return false;
  // A window that wraps midnight (22:00–06:00) holds outside [end, start).
  return end < start ? now >= start || now < end : now >= start && now < end;
}

/** "16:30:00Z" or "00:30:00+08:00" → seconds after midnight UTC. */
function secondsOfDayUtc(time: string): number | null {
  const parts = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!parts) return null;
  const [, hours, minutes, seconds, sign, offsetHours, offsetMinutes] = parts;
  const local = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  const offset = sign
    ? (sign === "+" ? 1 : -1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60
    : 0;
  return (local - offset + 86_400) % 86_400;
}

type DatasetValue = number | TieredPrices | undefined;

/**
 * One of the dataset's price sets → our ModelPrice. USD per million becomes nano-USD per million
 * exactly (decimal digits, not float products). Tiers are keyed by the input tokens above which
 * they apply, as the dataset's calculator applies them. A set with neither an input nor an output
 * token price (a per-request or per-image model) is not a token price: null.
 */
export function toModelPrice(prices: DatasetPrice, source: string): ModelPrice | null {
  const values = {
    input: prices.input_mtok,
    output: prices.output_mtok,
    cachedInput: prices.cache_read_mtok,
    cacheWrite: prices.cache_write_mtok,
  };
  if (values.input === undefined && values.output === undefined) return null;
  const ratesAbove = (threshold: number | null): TokenRates =>
    tokenRates({
      input: nanoAt(values.input, threshold) ?? 0,
      output: nanoAt(values.output, threshold) ?? 0,
      cachedInput: nanoAt(values.cachedInput, threshold),
      cacheWrite: nanoAt(values.cacheWrite, threshold),
    });
  const thresholds = new Set<number>();
  for (const value of Object.values(values)) {
    if (isTiered(value)) for (const tier of value.tiers) thresholds.add(tier.start);
  }
  return {
    rates: ratesAbove(null),
    tiers: [...thresholds]
      .sort((a, b) => a - b)
      .map((threshold) => ({ aboveInputTokens: threshold, rates: ratesAbove(threshold) })),
    known: true,
    source,
  };
}

/** A value's nano-USD per million for calls with more than `threshold` input tokens (null: base). */
function nanoAt(value: DatasetValue, threshold: number | null): number | null {
  if (value === undefined) return null;
  if (!isTiered(value)) return usdNumberToNano(value);
  let usd = value.base;
  let from = -1;
  for (const tier of value.tiers) {
    if (threshold !== null && tier.start <= threshold && tier.start > from) {
      usd = tier.price;
      from = tier.start;
    }
  }
  return usdNumberToNano(usd);
}

function isTiered(value: DatasetValue): value is TieredPrices {
  return typeof value === "object" && value !== null;
}
