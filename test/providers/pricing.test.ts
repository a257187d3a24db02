import { describe, expect, it } from "vitest";
import { costNanoUsd, priceFor } from "../../functions/gateway/pricing.ts";
import type { Usage } from "../../functions/providers/types.ts";

const usage = (input: number, output: number, cached = 0): Usage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  estimated: false,
});

describe("pricing", () => {
  it("finds a model by its bare name", () => {
    expect(priceFor("openai", "gpt-4o")).toEqual({
      input: 2.5,
      output: 10,
      cachedInput: 1.25,
      known: true,
    });
  });

  it("prefers the provider-specific price over the bare model", () => {
    const price = priceFor("groq", "llama-3.3-70b-versatile");
    expect(price).toMatchObject({ input: 0.59, output: 0.79, known: true });
  });

  it("prices a dated snapshot like its model family", () => {
    expect(priceFor("openai", "gpt-4o-mini-2024-07-18").input).toBe(0.15);
    expect(priceFor("anthropic", "claude-sonnet-4-20250514").output).toBe(15);
  });

  it("prices mock/echo small but above zero", () => {
    const price = priceFor("mock", "echo");
    expect(price.known).toBe(true);
    expect(costNanoUsd(price, usage(10, 10))).toBeGreaterThan(0);
  });

  it("lets a caller's table override the defaults", () => {
    const price = priceFor("openai", "gpt-4o", { "gpt-4o": { input: 1, output: 2 } });
    expect(price).toEqual({ input: 1, output: 2, cachedInput: 1, known: true });
  });

  it("gives an unknown model a zero price flagged unknown", () => {
    expect(priceFor("openai-compatible", "my-finetune")).toEqual({
      input: 0,
      output: 0,
      cachedInput: 0,
      known: false,
    });
  });

  it("computes cost in nano-USD from input and output tokens", () => {
    // 1,000 × $2.50/M + 500 × $10/M = $0.0025 + $0.005 = 7,500,000 nano-USD
    expect(costNanoUsd(priceFor("openai", "gpt-4o"), usage(1000, 500))).toBe(7_500_000);
  });

  it("charges cached input tokens at the cached price instead of the input price", () => {
    // 800 × $2.50/M + 200 × $1.25/M = 2,000,000 + 250,000 nano-USD
    expect(costNanoUsd(priceFor("openai", "gpt-4o"), usage(1000, 0, 200))).toBe(2_250_000);
  });

  it("rounds a fraction of a nano-USD up", () => {
    // 1 token × $0.0375/M = 37.5 nano-USD → 38
    const price = { input: 0.0375, output: 0, cachedInput: 0.0375, known: true };
    expect(costNanoUsd(price, usage(1, 0))).toBe(38);
  });

  it("stays exact for large token counts", () => {
    const price = { input: 15, output: 75, cachedInput: 1.5, known: true };
    expect(costNanoUsd(price, usage(100_000_000, 100_000_000))).toBe(9_000_000_000_000);
  });
});
