/**
 * Model prices and the cost of a call, in integer nano-USD (1e-9 USD) so that budgets add up
 * exactly in Redis and Postgres.
 *
 * Prices are USD per 1M tokens, from the providers' public price pages (list prices, standard
 * tier, short context) as of mid-2025. They are defaults: an org's own table (its negotiated
 * prices, a new model) is passed as `overrides` and wins. Keys are `provider/model`, where
 * provider is the provider kind, or a bare model name that holds across providers.
 */
import type { Usage } from "../providers/types.ts";

export interface PriceEntry {
  /** USD per 1M input tokens not served from the provider's prompt cache. */
  input: number;
  /** USD per 1M output tokens (reasoning tokens included). */
  output: number;
  /** USD per 1M cached input tokens; defaults to `input` (no discount). */
  cachedInput?: number;
}

export interface ModelPrice {
  input: number;
  output: number;
  cachedInput: number;
  /** False when no table had the model: the price is zero and the caller should say so. */
  known: boolean;
}

export type PriceTable = Readonly<Record<string, PriceEntry>>;

export const DEFAULT_PRICES: PriceTable = {
  // Built in: cheap but not free, so accounting shows up in demos and load tests.
  "mock/echo": { input: 0.1, output: 0.2, cachedInput: 0.05 },

  // OpenAI
  "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
  "gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  "o3-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
  "o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
  o1: { input: 15, output: 60, cachedInput: 7.5 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },

  // Anthropic (cachedInput = cache reads)
  "claude-opus-4-1": { input: 15, output: 75, cachedInput: 1.5 },
  "claude-opus-4": { input: 15, output: 75, cachedInput: 1.5 },
  "claude-sonnet-4-5": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-sonnet-4": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-3-7-sonnet": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-3-5-sonnet": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cachedInput: 0.08 },
  "claude-3-haiku": { input: 0.25, output: 1.25, cachedInput: 0.03 },

  // Google
  "gemini-2.5-pro": { input: 1.25, output: 10, cachedInput: 0.31 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cachedInput: 0.075 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4, cachedInput: 0.025 },

  // Mistral
  "mistral-large-latest": { input: 2, output: 6 },
  "mistral-medium-latest": { input: 0.4, output: 2 },
  "mistral-small-latest": { input: 0.1, output: 0.3 },
  "codestral-latest": { input: 0.3, output: 0.9 },

  // Open models, priced per host
  "groq/llama-3.3-70b-versatile": { input: 0.59, output: 0.79 },
  "groq/llama-3.1-8b-instant": { input: 0.05, output: 0.08 },
  "together/meta-llama/Llama-3.3-70B-Instruct-Turbo": { input: 0.88, output: 0.88 },
  "fireworks/accounts/fireworks/models/llama-v3p3-70b-instruct": { input: 0.9, output: 0.9 },

  // DeepSeek, xAI
  "deepseek-chat": { input: 0.27, output: 1.1, cachedInput: 0.07 },
  "deepseek-reasoner": { input: 0.55, output: 2.19, cachedInput: 0.14 },
  "grok-4": { input: 3, output: 15, cachedInput: 0.75 },
  "grok-3": { input: 3, output: 15, cachedInput: 0.75 },
  "grok-3-mini": { input: 0.3, output: 0.5, cachedInput: 0.075 },
};

const UNKNOWN_PRICE: ModelPrice = { input: 0, output: 0, cachedInput: 0, known: false };

// Dated snapshots and "-latest" aliases cost what their family costs:
// gpt-4o-2024-08-06 → gpt-4o, claude-sonnet-4-20250514 → claude-sonnet-4.
const SNAPSHOT_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * The price of `model` on a provider of kind `provider`: overrides before defaults; within a
 * table `provider/model`, then the bare `model`, then both again without a snapshot suffix.
 */
export function priceFor(provider: string, model: string, overrides?: PriceTable): ModelPrice {
  const candidates = [`${provider}/${model}`, model];
  const family = model.replace(SNAPSHOT_SUFFIX, "");
  if (family !== model) candidates.push(`${provider}/${family}`, family);
  for (const table of overrides ? [overrides, DEFAULT_PRICES] : [DEFAULT_PRICES]) {
    for (const key of candidates) {
      const entry = table[key];
      if (entry) return toModelPrice(entry);
    }
  }
  return UNKNOWN_PRICE;
}

/**
 * The cost of `usage` at `price`, in nano-USD, rounded up so a budget is never under-charged.
 * Cached input tokens are part of the input tokens and are charged at the cached price instead.
 * The arithmetic is in BigInt pico-USD, so no float rounding creeps in.
 */
export function costNanoUsd(price: ModelPrice, usage: Usage): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const picoUsd =
    tokens(usage.inputTokens - cached) * picoPerToken(price.input) +
    tokens(cached) * picoPerToken(price.cachedInput) +
    tokens(usage.outputTokens) * picoPerToken(price.output);
  return Number((picoUsd + 999n) / 1000n);
}

/** nano-USD → USD, for headers and GraphQL (`x-switchyard-cost-usd`). */
export function nanoUsdToUsd(nanoUsd: number): number {
  return nanoUsd / 1e9;
}

function toModelPrice(entry: PriceEntry): ModelPrice {
  return {
    input: entry.input,
    output: entry.output,
    cachedInput: entry.cachedInput ?? entry.input,
    known: true,
  };
}

/** USD per 1M tokens = 1e12 pico-USD per 1e6 tokens = 1e6 pico-USD per token. */
function picoPerToken(usdPerMillion: number): bigint {
  return BigInt(Math.round(usdPerMillion * 1e6));
}

function tokens(count: number): bigint {
  return BigInt(Math.max(0, Math.trunc(count)));
}
