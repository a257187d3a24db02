/**
 * Which price a call pays: the org's own override, then the dataset's list price, then the
 * built-in table; unknown (zero, flagged) when none has the model.
 */
import { describe, expect, it } from "vitest";
import { loadListPrices } from "../../functions/pricing/genai-prices.ts";
import { tokenRates } from "../../functions/pricing/model-price.ts";
import { createPriceBook, type PriceOverride } from "../../functions/pricing/price-book.ts";

const USD = 1_000_000_000;
const list = await loadListPrices();
const at = Date.parse("2026-11-02T12:00:00Z");

const deployment = (providerName: string, kind: string, model: string) => ({
  providerName,
  target: { kind, model },
});

const override = (model: string, input: number, output = input): PriceOverride => ({
  model,
  rates: tokenRates({ input: input * USD, output: output * USD }),
});

describe("an org's prices", () => {
  it("are the list prices when the org set none", () => {
    const price = createPriceBook(list, []).priceOf(deployment("openai", "openai", "gpt-4o"), at);
    expect(price.rates.input).toBe(2.5 * USD);
    expect(price.source).toContain("@pydantic/genai-prices");
  });

  it("use the org's override over the list price", () => {
    const book = createPriceBook(list, [override("gpt-4o", 1, 2)]);
    const price = book.priceOf(deployment("openai", "openai", "gpt-4o"), at);
    expect(price).toMatchObject({
      rates: { input: 1 * USD, output: 2 * USD, cachedInput: 1 * USD, cacheWrite: 1 * USD },
      known: true,
      source: 'org override "gpt-4o"',
    });
  });

  it("prefer the override of the deployment over that of its kind over that of the bare model", () => {
    const book = createPriceBook(list, [
      override("gpt-4o", 3),
      override("openai-compatible/gpt-4o", 2),
      override("azure-east/gpt-4o", 1),
    ]);
    const of = (name: string, kind: string) => book.priceOf(deployment(name, kind, "gpt-4o"), at);
    expect(of("azure-east", "openai-compatible").rates.input).toBe(1 * USD);
    expect(of("azure-west", "openai-compatible").rates.input).toBe(2 * USD);
    expect(of("openai", "openai").rates.input).toBe(3 * USD);
  });

  it("price a dated snapshot by its family's override", () => {
    const book = createPriceBook(list, [override("gpt-4o", 1)]);
    expect(book.priceOf(deployment("openai", "openai", "gpt-4o-2024-08-06"), at).rates.input).toBe(
      1 * USD,
    );
  });

  it("price the built-in mock and self-hosted Ollama from the built-in table", () => {
    const book = createPriceBook(list, []);
    expect(book.priceOf(deployment("mock", "mock", "echo"), at)).toMatchObject({
      rates: { input: 0.1 * USD, output: 0.2 * USD, cachedInput: 0.05 * USD },
      known: true,
    });
    expect(book.priceOf(deployment("laptop", "ollama", "llama3.1:8b"), at)).toMatchObject({
      rates: { input: 0, output: 0 },
      known: true,
    });
  });

  it("know no price for a model no table has: zero, flagged unknown", () => {
    const price = createPriceBook(list, []).priceOf(
      deployment("acme", "openai-compatible", "acme-finetune-7b"),
      at,
    );
    expect(price).toMatchObject({ rates: { input: 0, output: 0 }, known: false });
  });

  it("make a model no table has known once the org prices it", () => {
    const book = createPriceBook(list, [override("acme/acme-finetune-7b", 0.5)]);
    const price = book.priceOf(deployment("acme", "openai-compatible", "acme-finetune-7b"), at);
    expect(price).toMatchObject({ rates: { input: 0.5 * USD }, known: true });
  });
});
