/**
 * What one model costs and what a call on it costs, in integers: rates are nano-USD per million
 * tokens (1e-9 USD per 1M tokens), costs nano-USD, so that budgets add up exactly in Redis and
 * Postgres. A price comes from an org's override, the price dataset or the built-in table
 * (price-book.ts); this file only does the arithmetic.
 */
import type { Usage } from "../providers/types.ts";

/** nano-USD per million tokens of each kind. */
export interface TokenRates {
  /** Input tokens neither read from nor written to the provider's prompt cache. */
  input: number;
  /** Output tokens, reasoning tokens included. */
  output: number;
  /** Input tokens read from the prompt cache. */
  cachedInput: number;
  /** Input tokens written to the prompt cache. */
  cacheWrite: number;
}

export interface ModelPrice {
  rates: TokenRates;
  /**
   * Long-context prices, ascending: a call whose input tokens exceed `aboveInputTokens` pays
   * `rates` for all of its tokens (the last such tier wins), as Gemini and Claude bill them.
   */
  tiers: ReadonlyArray<{ aboveInputTokens: number; rates: TokenRates }>;
  /** False when no table had the model: the price is zero and the usage record says so. */
  known: boolean;
  /** Where the price came from, e.g. `org override "gpt-4o"` or `@pydantic/genai-prices@0.1.8 openai/gpt-4o`. */
  source: string;
}

/** Usage as billed. Cache writes are a part of `inputTokens`, as cached (read) tokens are. */
export interface BilledUsage extends Usage {
  /** No adapter reports these yet; Anthropic's will (`cache_creation_input_tokens`). */
  cacheWriteInputTokens?: number;
}

export const ZERO_RATES: TokenRates = { input: 0, output: 0, cachedInput: 0, cacheWrite: 0 };

export const UNKNOWN_PRICE: ModelPrice = {
  rates: ZERO_RATES,
  tiers: [],
  known: false,
  source: "unknown",
};

/** Rates with the cache prices defaulting to the input price (no discount, no surcharge). */
export function tokenRates(rates: {
  input: number;
  output: number;
  cachedInput?: number | null;
  cacheWrite?: number | null;
}): TokenRates {
  return {
    input: rates.input,
    output: rates.output,
    cachedInput: rates.cachedInput ?? rates.input,
    cacheWrite: rates.cacheWrite ?? rates.input,
  };
}

/**
 * The cost of `usage` at `price` in nano-USD, rounded up once at the end so a budget is never
 * under-charged. BigInt throughout: tokens × nano-USD per million can pass 2^53.
 */
export function costNanoUsd(price: ModelPrice, usage: BilledUsage): number {
  const input = tokens(usage.inputTokens);
  const cached = min(tokens(usage.cachedInputTokens), input);
  const written = min(tokens(usage.cacheWriteInputTokens ?? 0), input - cached);
  const rates = ratesFor(price, usage.inputTokens);
  const nanoPerMillion =
    (input - cached - written) * BigInt(rates.input) +
    cached * BigInt(rates.cachedInput) +
    written * BigInt(rates.cacheWrite) +
    tokens(usage.outputTokens) * BigInt(rates.output);
  return Number((nanoPerMillion + 999_999n) / 1_000_000n);
}

function ratesFor(price: ModelPrice, inputTokens: number): TokenRates {
  let rates = price.rates;
  for (const tier of price.tiers) {
    if (inputTokens > tier.aboveInputTokens) rates = tier.rates;
  }
  return rates;
}

function tokens(count: number): bigint {
  return BigInt(Math.max(0, Math.trunc(count)));
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
