import { describe, expect, it } from "vitest";
import { parseNanoUsd, usdNumberToNano } from "../../functions/pricing/usd.ts";

describe("reading USD exactly", () => {
  it("reads decimal text digit by digit, with no float error", () => {
    expect(parseNanoUsd("0.075")).toEqual({ ok: true, nanoUsd: 75_000_000n });
    expect(parseNanoUsd("12.5")).toEqual({ ok: true, nanoUsd: 12_500_000_000n });
    expect(parseNanoUsd("0.000000001")).toEqual({ ok: true, nanoUsd: 1n });
    expect(parseNanoUsd("1e-7")).toEqual({ ok: true, nanoUsd: 100n });
  });

  it("refuses what is finer than a nano-USD, negative or not a number", () => {
    for (const text of ["0.0000000001", "-1", "abc", "", "."]) {
      expect(parseNanoUsd(text).ok).toBe(false);
    }
  });

  it("rounds a dataset price finer than a nano-USD up, never down", () => {
    expect(parseNanoUsd("0.0000000001", "up")).toEqual({ ok: true, nanoUsd: 1n });
  });

  it("reads a float as the decimal its writer meant", () => {
    // In floating point 0.000123 × 1e9 is 123000.00000000001 (rounding up would give 123001)
    // and 0.000065 × 1e9 is 64999.99999999999 (truncating would give 64999).
    expect(usdNumberToNano(0.000123)).toBe(123_000);
    expect(usdNumberToNano(0.000065)).toBe(65_000);
    expect(usdNumberToNano(0.075)).toBe(75_000_000);
  });
});
