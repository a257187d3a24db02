/**
 * US dollars as exact integers of nano-USD (1e-9 USD), read from decimal text. Prices arrive as
 * decimals (an admin's "0.075", a dataset's 0.075); going through a binary float times 1e9 would
 * be off by one in the last place for some of them, so the digits are shifted instead.
 */

const NANO_DIGITS = 9;

export type ParsedNanoUsd = { ok: true; nanoUsd: bigint } | { ok: false; reason: string };

/**
 * Decimal text ("12.5", "0.075", "1e-7" as `String(1e-7)` prints it) → nano-USD. `exact` refuses
 * digits below 1e-9; `up` rounds them up (a dataset price is never charged short).
 */
export function parseNanoUsd(text: string, rounding: "exact" | "up" = "exact"): ParsedNanoUsd {
  const match = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/.exec(text.trim());
  const whole = match?.[1] ?? "";
  const fraction = match?.[2] ?? "";
  if (!match || whole.length + fraction.length === 0) {
    return { ok: false, reason: 'must be a non-negative decimal amount such as "2.50"' };
  }
  const digits = BigInt(`${whole}${fraction}`);
  // value = digits × 10^(exponent − fraction digits); nano = value × 10^9.
  const shift = Number(match[3] ?? 0) - fraction.length + NANO_DIGITS;
  if (shift >= 0) return { ok: true, nanoUsd: digits * 10n ** BigInt(shift) };
  const divisor = 10n ** BigInt(-shift);
  const remainder = digits % divisor;
  if (remainder === 0n) return { ok: true, nanoUsd: digits / divisor };
  if (rounding === "up") return { ok: true, nanoUsd: digits / divisor + 1n };
  return { ok: false, reason: "has more than 9 decimal places (1e-9 USD is the smallest unit)" };
}

/**
 * A JSON number of USD → nano-USD, read as its shortest decimal form (`String(0.1)` is "0.1",
 * the value its writer meant), rounded up past nine decimals.
 */
export function usdNumberToNano(usd: number): number {
  if (!Number.isFinite(usd) || usd < 0) throw new RangeError(`not a price: ${usd}`);
  const parsed = parseNanoUsd(String(usd), "up");
  if (!parsed.ok) throw new RangeError(`not a price: ${usd}`);
  return Number(parsed.nanoUsd);
}

/** nano-USD → USD, for headers and GraphQL (`x-switchyard-cost-usd`). */
export function nanoUsdToUsd(nanoUsd: number): number {
  return nanoUsd / 1e9;
}
