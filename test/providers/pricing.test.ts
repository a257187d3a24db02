/**
 * The arithmetic of a call's cost: integer nano-USD from integer rates (nano-USD per million
 * tokens), rounded up once, exact however large the call.
 */
import { describe, expect, it } from "vitest";
import {
  type BilledUsage,
  costNanoUsd,
  type ModelPrice,
  tokenRates,
} from "../../functions/pricing/model-price.ts";

const USD_PER_MILLION = 1_000_000_000; // nano-USD per million tokens

const usage = (input: number, output: number, cached = 0, written = 0): BilledUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheWriteInputTokens: written,
  estimated: false,
});

function price(
  rates: { input: number; output: number; cachedInput?: number; cacheWrite?: number },
  tiers: ModelPrice["tiers"] = [],
): ModelPrice {
  return { rates: tokenRates(rates), tiers, known: true, source: "test" };
}

// gpt-4o's list price: $2.50 input, $10 output, $1.25 cached input per million tokens.
const gpt4o = price({
  input: 2.5 * USD_PER_MILLION,
  output: 10 * USD_PER_MILLION,
  cachedInput: 1.25 * USD_PER_MILLION,
});

describe("the cost of a call", () => {
  it("charges input and output tokens at their prices", () => {
    // 1,000 × $2.50/M + 500 × $10/M = $0.0025 + $0.005
    expect(costNanoUsd(gpt4o, usage(1000, 500))).toBe(7_500_000);
  });

  it("charges cached input tokens at the cached price instead of the input price", () => {
    // 800 × $2.50/M + 200 × $1.25/M
    expect(costNanoUsd(gpt4o, usage(1000, 0, 200))).toBe(2_250_000);
  });

  it("charges tokens written to the prompt cache at the cache-write price", () => {
    // Claude Sonnet 4: $3 input, $3.75 cache write, $0.30 cache read per million.
    const sonnet = price({
      input: 3 * USD_PER_MILLION,
      output: 15 * USD_PER_MILLION,
      cachedInput: 0.3 * USD_PER_MILLION,
      cacheWrite: 3.75 * USD_PER_MILLION,
    });
    // 100 plain × $3 + 200 read × $0.30 + 700 written × $3.75 (per million)
    expect(costNanoUsd(sonnet, usage(1000, 0, 200, 700))).toBe(300_000 + 60_000 + 2_625_000);
  });

  it("charges cache tokens like input when a price has no cache prices", () => {
    const flat = price({ input: 2 * USD_PER_MILLION, output: 0 });
    expect(costNanoUsd(flat, usage(1000, 0, 400, 300))).toBe(costNanoUsd(flat, usage(1000, 0)));
  });

  it("rounds a fraction of a nano-USD up, once per call", () => {
    // 1 token × $0.0375/M = 37.5 nano-USD → 38; 3 tokens = 112.5 → 113 (not 3 × 38).
    const cheap = price({ input: 37_500_000, output: 0 });
    expect(costNanoUsd(cheap, usage(1, 0))).toBe(38);
    expect(costNanoUsd(cheap, usage(3, 0))).toBe(113);
  });

  it("stays exact past 2^53 intermediate products", () => {
    // 100M tokens each way at $15 / $75 per million = $1,500 + $7,500
    const opus = price({ input: 15 * USD_PER_MILLION, output: 75 * USD_PER_MILLION });
    expect(costNanoUsd(opus, usage(100_000_000, 100_000_000))).toBe(9_000_000_000_000);
  });

  it("prices a long prompt at its long-context tier, all of its tokens", () => {
    // Gemini 2.5 Pro: $1.25 / $10 up to 200k input tokens, $2.50 / $15 above.
    const gemini = price({ input: 1_250_000_000, output: 10 * USD_PER_MILLION }, [
      {
        aboveInputTokens: 200_000,
        rates: tokenRates({ input: 2_500_000_000, output: 15 * USD_PER_MILLION }),
      },
    ]);
    expect(costNanoUsd(gemini, usage(200_000, 1_000))).toBe(250_000_000 + 10_000_000);
    expect(costNanoUsd(gemini, usage(200_001, 1_000))).toBe(500_002_500 + 15_000_000);
  });

  it("never charges for negative or fractional token counts", () => {
    expect(costNanoUsd(gpt4o, usage(-5, 2.9))).toBe(20_000);
  });
});
