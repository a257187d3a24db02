/**
 * INCRBYFLOAT / HINCRBYFLOAT arithmetic as Redis does it on x86-64: both operands parsed with
 * strtold into an 80-bit long double (64-bit significand), added, and printed with "%.17Lf"
 * with trailing zeros removed (util.c ld2string, LD_STR_HUMAN). Doing the same in doubles
 * would print "0.30000000000000004" where Redis prints "0.3", and "1000000.4" where Redis
 * prints "1000000.40000000000003411"; spend counters must read the same on every transport.
 *
 * Values are sign × mantissa × 2^exponent with the mantissa rounded to 64 bits
 * (round-half-even), computed exactly with BigInt.
 */
const SIGNIFICAND_BITS = 64;
/** Largest binary exponent of an x87 extended value; beyond it the sum is infinite. */
const MAX_EXPONENT = 16384;
const SCALE = 10n ** 17n;

export type LongDouble =
  | {
      readonly kind: "finite";
      readonly negative: boolean;
      readonly mantissa: bigint;
      readonly exponent: number;
    }
  | { readonly kind: "infinite"; readonly negative: boolean };

const ZERO: LongDouble = { kind: "finite", negative: false, mantissa: 0n, exponent: 0 };

/** strtold for the forms Redis accepts: decimal/exponent notation and inf; never NaN. */
export function parseLongDouble(text: string): LongDouble | undefined {
  if (/^[+-]?inf(inity)?$/i.test(text)) return { kind: "infinite", negative: text.startsWith("-") };
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = "", whole = "", fraction = "", exponentText = "0"] = match;
  if (whole === "" && fraction === "") return undefined;
  const digits = BigInt(`${whole}${fraction}` || "0");
  const exponent10 = Number(exponentText) - fraction.length;
  return withSign(fromDecimal(digits, exponent10), sign === "-");
}

export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === "infinite" || b.kind === "infinite") {
    if (a.kind === "infinite" && b.kind === "infinite" && a.negative !== b.negative) {
      return { kind: "infinite", negative: false }; // inf - inf is NaN; callers reject both
    }
    return a.kind === "infinite" ? a : b;
  }
  const exponent = Math.min(a.exponent, b.exponent);
  const left = signed(a) << BigInt(a.exponent - exponent);
  const right = signed(b) << BigInt(b.exponent - exponent);
  const sum = left + right;
  if (sum === 0n) return ZERO;
  return withSign(round(sum < 0n ? -sum : sum, exponent), sum < 0n);
}

export function isFiniteLongDouble(value: LongDouble): boolean {
  return value.kind === "finite";
}

/** printf("%.17Lf") with trailing zeros (and a bare '.') removed; "-0" becomes "0". */
export function formatLongDouble(value: LongDouble): string {
  if (value.kind === "infinite") return value.negative ? "-inf" : "inf";
  let scaled: bigint;
  if (value.exponent >= 0) {
    scaled = (value.mantissa << BigInt(value.exponent)) * SCALE;
  } else {
    scaled = roundShift(value.mantissa * SCALE, -value.exponent);
  }
  const digits = scaled.toString().padStart(18, "0");
  const text = `${digits.slice(0, -17)}.${digits.slice(-17)}`.replace(/0+$/, "").replace(/\.$/, "");
  return value.negative && text !== "0" ? `-${text}` : text;
}

function fromDecimal(digits: bigint, exponent10: number): LongDouble {
  if (digits === 0n) return ZERO;
  if (exponent10 >= 0) return round(digits * 10n ** BigInt(exponent10), 0);
  const denominator = 10n ** BigInt(-exponent10);
  // Enough quotient bits to round to 64, plus a sticky bit for a non-zero remainder.
  const shift = Math.max(0, SIGNIFICAND_BITS + 2 + bitLength(denominator) - bitLength(digits));
  const numerator = digits << BigInt(shift);
  const quotient = numerator / denominator;
  const sticky = numerator % denominator === 0n ? 0n : 1n;
  return round((quotient << 1n) | sticky, -shift - 1);
}

/** Round value × 2^exponent to a 64-bit significand, half to even. */
function round(value: bigint, exponent: number): LongDouble {
  const excess = bitLength(value) - SIGNIFICAND_BITS;
  let mantissa = value;
  let shifted = exponent;
  if (excess > 0) {
    mantissa = roundShift(value, excess);
    shifted += excess;
    if (bitLength(mantissa) > SIGNIFICAND_BITS) {
      mantissa >>= 1n;
      shifted += 1;
    }
  }
  if (bitLength(mantissa) + shifted > MAX_EXPONENT) return { kind: "infinite", negative: false };
  return { kind: "finite", negative: false, mantissa, exponent: shifted };
}

/** value / 2^bits rounded half to even. */
function roundShift(value: bigint, bits: number): bigint {
  const shift = BigInt(bits);
  const quotient = value >> shift;
  const remainder = value - (quotient << shift);
  const half = 1n << (shift - 1n);
  if (remainder > half || (remainder === half && (quotient & 1n) === 1n)) return quotient + 1n;
  return quotient;
}

function withSign(value: LongDouble, negative: boolean): LongDouble {
  if (value.kind === "finite" && value.mantissa === 0n) return ZERO;
  return { ...value, negative };
}

function signed(value: { negative: boolean; mantissa: bigint }): bigint {
  return value.negative ? -value.mantissa : value.mantissa;
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}
