import { describe, expect, it } from "vitest";
import { loadCorpus, scoreDetector } from "./corpus/evaluate.ts";

describe("detector quality on the labelled corpus", () => {
  it.each(["PAYMENT_CARD", "IBAN", "US_SSN"] as const)(
    "%s, checksum- or range-backed, reaches 0.98 precision and 0.95 recall",
    (detector) => {
      const score = scoreDetector(detector);
      expect(score.precision, JSON.stringify(score.mistakes)).toBeGreaterThanOrEqual(0.98);
      expect(score.recall, JSON.stringify(score.mistakes)).toBeGreaterThanOrEqual(0.95);
    },
  );

  it.each([
    "PAYMENT_CARD",
    "IBAN",
    "US_SSN",
    "EMAIL",
    "PHONE",
    "IP_ADDRESS",
    "SECRET",
    "INJECTION",
  ] as const)("%s has both positives and hard negatives to be judged on", (detector) => {
    const entries = loadCorpus(detector);
    expect(entries.filter((entry) => entry.expect.length > 0).length).toBeGreaterThanOrEqual(10);
    expect(entries.filter((entry) => entry.expect.length === 0).length).toBeGreaterThanOrEqual(9);
  });
});
