/**
 * Number parsing and formatting with Redis' rules, so replies are byte-identical to a real
 * server's.
 */
import { errors } from "./reply.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Redis' string2ll: an optional '-', digits, no leading zeros, no '+', no spaces, and the
 * value must fit in a signed 64-bit integer (util.c). Returns undefined when it does not.
 */
export function parseInt64(text: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text) || text.length > 20) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** An integer argument (counts, indexes, TTLs): "ERR value is not an integer or out of range". */
export function integerArg(text: string): number {
  const value = parseInt64(text);
  if (value === undefined) throw errors.notInteger();
  return Number(value);
}

/**
 * A double argument as Redis reads it with strtod: decimal or exponent notation and
 * "inf"/"-inf"/"+inf" (case-insensitive); never NaN and never trailing garbage.
 */
export function parseDouble(text: string): number | undefined {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text)) return undefined;
  return Number(text);
}

export function doubleArg(text: string): number {
  const value = parseDouble(text);
  if (value === undefined) throw errors.notFloat();
  return value;
}

const SAFE_LIMIT = 2 ** 53;

/**
 * C's printf("%.<precision>g"): that many significant digits, trailing zeros removed,
 * exponent form when the exponent is below -4 or at least the precision.
 */
export function formatG(value: number, precision: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  // An integer with at most `precision` digits prints as itself, and below 2^53 String() gives
  // its exact digits: the common case (times, counts, amounts) skips the digit expansion below.
  if (
    Number.isInteger(value) &&
    Math.abs(value) < SAFE_LIMIT &&
    Math.abs(value) < 10 ** precision
  ) {
    return String(value);
  }
  const sign = value < 0 ? "-" : "";
  const { digits, exponent } = significantDigits(Math.abs(value), precision);
  if (exponent < -4 || exponent >= precision) {
    const mantissa = trimFraction(`${digits.slice(0, 1)}.${digits.slice(1)}`);
    const exponentSign = exponent < 0 ? "-" : "+";
    return `${sign}${mantissa}e${exponentSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}${trimFraction(`0.${"0".repeat(-exponent - 1)}${digits}`)}`;
  return `${sign}${trimFraction(`${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`)}`;
}

/**
 * The first `precision` significant digits of a positive finite value and the decimal
 * exponent of the first one, rounded as glibc rounds: to nearest, ties to even. JavaScript's
 * toExponential/toFixed break ties upwards, so 12345678901234.5 at 14 digits would read
 * ...235 where Redis prints ...234. A double's exact expansion ends within 767 digits, but
 * one that ties at the 18th digit or before has no non-zero digit past the 100th, which is
 * as far as toExponential goes.
 */
function significantDigits(value: number, precision: number): { digits: string; exponent: number } {
  const [mantissa = "0", exponentText = "0"] = value.toExponential(precision - 1).split("e");
  const rounded = { digits: mantissa.replace(".", ""), exponent: Number(exponentText) };
  const [exactMantissa = "0", exactExponent = "0"] = value.toExponential(99).split("e");
  const exact = exactMantissa.replace(".", "");
  const isTie = exact[precision] === "5" && /^0*$/.test(exact.slice(precision + 1));
  const kept = exact.slice(0, precision);
  // An even last digit stays as it is; an odd one rounds up, as toExponential did.
  if (!isTie || Number(kept.at(-1)) % 2 === 1) return rounded;
  return { digits: kept, exponent: Number(exactExponent) };
}

/**
 * %.17g: how Redis 7.0 prints scores (util.c d2string) and numbers a script passes to
 * redis.call, which is why 0.1 + 0.2 reads "0.30000000000000004".
 */
export function formatG17(value: number): string {
  return formatG(value, 17);
}

/**
 * How Redis replies with a score (util.c d2string): integral values inside ±2^52 print as
 * integers, everything else as %.17g.
 */
export function formatScore(value: number): string {
  // -0 is stored as 0 by ZADD (the sorted set code adds 0), so it never reaches here.
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 52) return String(value);
  return formatG17(value);
}

function trimFraction(text: string): string {
  if (!text.includes(".")) return text;
  return text.replace(/0+$/, "").replace(/\.$/, "");
}
