/**
 * The price dataset as the gateway reads it: real models priced as @pydantic/genai-prices says,
 * in integer nano-USD per million tokens, matched by our provider kinds.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  datasetPricesAt,
  loadListPrices,
  PRICE_DATASET,
  toModelPrice,
} from "../../functions/pricing/genai-prices.ts";
import { costNanoUsd } from "../../functions/pricing/model-price.ts";

const USD = 1_000_000_000;
const list = await loadListPrices();
const noon = new Date("2026-11-02T12:00:00Z");

describe("the list prices of the dataset", () => {
  it("prices an OpenAI model as the dataset lists it, cached input included", () => {
    expect(list.priceOf("openai", "gpt-4o", noon)).toMatchObject({
      rates: { input: 2.5 * USD, output: 10 * USD, cachedInput: 1.25 * USD, cacheWrite: 2.5 * USD },
      tiers: [],
      known: true,
      source: `@pydantic/genai-prices@${PRICE_DATASET.version} openai/gpt-4o`,
    });
  });

  it("prices an Anthropic model's cache reads and cache writes", () => {
    expect(list.priceOf("anthropic", "claude-sonnet-4-20250514", noon)?.rates).toEqual({
      input: 3 * USD,
      output: 15 * USD,
      cachedInput: 0.3 * USD,
      cacheWrite: 3.75 * USD,
    });
  });

  it("charges a call with cached input at the dataset's cached price", () => {
    const price = list.priceOf("openai", "gpt-4o-mini", noon);
    if (!price) throw new Error("gpt-4o-mini is in the dataset");
    // 600 × $0.15/M + 400 × $0.075/M + 100 × $0.60/M
    const usage = {
      inputTokens: 1000,
      outputTokens: 100,
      cachedInputTokens: 400,
      estimated: false,
    };
    expect(costNanoUsd(price, usage)).toBe(90_000 + 30_000 + 60_000);
  });

  it("finds dated snapshots and provider-specific ids under our provider kinds", () => {
    expect(list.priceOf("openai", "gpt-4o-mini-2024-07-18", noon)?.rates.input).toBe(0.15 * USD);
    expect(list.priceOf("gemini", "gemini-2.5-flash", noon)?.rates.output).toBe(2.5 * USD);
    expect(list.priceOf("groq", "llama-3.3-70b-versatile", noon)?.rates).toMatchObject({
      input: 0.59 * USD,
      output: 0.79 * USD,
    });
    expect(
      list.priceOf("bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0", noon)?.rates.input,
    ).toBe(3 * USD);
    expect(list.priceOf("xai", "grok-3-mini", noon)?.rates.output).toBe(0.5 * USD);
  });

  it("keeps long-context tiers", () => {
    const price = list.priceOf("gemini", "gemini-2.5-pro", noon);
    expect(price?.rates).toMatchObject({ input: 1.25 * USD, output: 10 * USD });
    expect(price?.tiers).toEqual([
      {
        aboveInputTokens: 200_000,
        rates: {
          input: 2.5 * USD,
          output: 15 * USD,
          cachedInput: 0.25 * USD,
          cacheWrite: 2.5 * USD,
        },
      },
    ]);
  });

  it("prices DeepSeek at its off-peak price in its off-peak hours", () => {
    // Peak 00:30–16:30 UTC per the dataset; off-peak is half price.
    const peak = list.priceOf("deepseek", "deepseek-chat", noon);
    const offPeak = list.priceOf("deepseek", "deepseek-chat", new Date("2026-11-02T20:00:00Z"));
    expect(peak?.rates.input).toBe(0.27 * USD);
    expect(offPeak?.rates.input).toBe(0.135 * USD);
  });

  it("prices a model behind any OpenAI-compatible base URL by its name", () => {
    expect(list.priceOf("openai-compatible", "gpt-4o-mini", noon)?.rates.input).toBe(0.15 * USD);
  });

  it("has no price for a model it does not know, nor for a provider kind it does not cover", () => {
    expect(list.priceOf("openai-compatible", "acme-finetune-7b", noon)).toBeNull();
    expect(list.priceOf("openai", "claude-sonnet-4", noon)).toBeNull();
    expect(list.priceOf("mock", "echo", noon)).toBeNull();
    expect(list.priceOf("ollama", "llama3.1:8b", noon)).toBeNull();
  });

  it("is the version package.json pins", async () => {
    const installed = JSON.parse(
      await readFile("node_modules/@pydantic/genai-prices/package.json", "utf8"),
    ) as { version: string };
    const pinned = JSON.parse(await readFile("package.json", "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(installed.version).toBe(PRICE_DATASET.version);
    expect(pinned.dependencies[PRICE_DATASET.name]).toBe(PRICE_DATASET.version);
  });
});

describe("adapting one of the dataset's price sets", () => {
  it("takes the last price set whose start date has passed", () => {
    const model = {
      id: "m",
      match: { equals: "m" },
      prices: [
        { prices: { input_mtok: 1, output_mtok: 2 } },
        {
          constraint: { type: "start_date" as const, start_date: "2026-06-01" },
          prices: { input_mtok: 3, output_mtok: 4 },
        },
      ],
    };
    expect(datasetPricesAt(model, new Date("2026-05-31T23:59:59Z")).input_mtok).toBe(1);
    expect(datasetPricesAt(model, new Date("2026-06-01T00:00:00Z")).input_mtok).toBe(3);
  });

  it("is no token price when it prices neither input nor output tokens", () => {
    expect(toModelPrice({ requests_kcount: 5 }, "test")).toBeNull();
  });

  it("prices a missing output price at zero and missing cache prices as input", () => {
    expect(toModelPrice({ input_mtok: 0.02 }, "test")?.rates).toEqual({
      input: 20_000_000,
      output: 0,
      cachedInput: 20_000_000,
      cacheWrite: 20_000_000,
    });
  });
});
