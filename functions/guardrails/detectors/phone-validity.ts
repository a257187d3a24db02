/**
 * Phone number validity from libphonenumber-js's own metadata (the `max` set), with every
 * pattern compiled once. libphonenumber-js builds a new RegExp from a metadata string for every
 * pattern test (`matchesEntirely`), ten or more per number: that was most of the guardrails'
 * scan cost on PII-dense text (40–50 µs per number; this takes a few µs).
 *
 * It follows the library's steps for the two calls the phone detector makes (`+digits` with no
 * region, national digits with a default region): calling code, national prefix (with its
 * transform rule and the library's checks for stripping it), the exact country among those
 * sharing a calling code (leading digits, else number types), then the number types with their
 * possible lengths. Where the library takes a path this does not follow (non-geographic calling
 * codes such as +800, a national number written with an international or calling-code prefix),
 * it answers `undefined` and the caller asks the library. test/guardrails/detectors/
 * phone-validity.test.ts holds it to the library's answers on thousands of numbers.
 */
import type { CountryCode } from "libphonenumber-js/max";
import metadataJson from "libphonenumber-js/metadata.max.json";

/** The JSON's tuple per country (libphonenumber-js metadata format v4, see its metadata.js). */
type CountryTuple = unknown[];
interface Json {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, CountryTuple>;
}
const json = metadataJson as unknown as Json;

interface NumberType {
  pattern: RegExp;
  lengths: readonly number[] | null;
}

interface Plan {
  callingCode: string;
  idd: RegExp | null;
  nationalPattern: RegExp;
  lengths: readonly number[] | null;
  prefixForParsing: RegExp | null;
  transformRule: string | null;
  leadingDigits: RegExp | null;
  /** FIXED_LINE, MOBILE, then the other types in the library's order; null without types. */
  types: { fixedLine: NumberType | null; mobile: NumberType | null; others: NumberType[] } | null;
}

const MIN_NSN = 2;
const MAX_NSN = 17;
/** getType's indexes of MOBILE's followers in NON_FIXED_LINE_PHONE_TYPES order. */
const OTHER_TYPE_INDEXES = [3, 2, 9, 8, 4, 7, 6, 5];

const plans = new Map<string, Plan>();

function whole(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function planOf(country: string): Plan | undefined {
  let plan = plans.get(country);
  if (plan) return plan;
  const m = json.countries[country];
  if (!m) return undefined;
  const str = (i: number) => (typeof m[i] === "string" && m[i] !== "" ? (m[i] as string) : null);
  const lengths = Array.isArray(m[3]) ? (m[3] as number[]) : null;
  const rawTypes = Array.isArray(m[11]) && m[11].length > 0 ? (m[11] as unknown[]) : null;
  const typeAt = (i: number): NumberType | null => {
    const t = rawTypes?.[i];
    if (!Array.isArray(t) || typeof t[0] !== "string" || t[0] === "") return null;
    return { pattern: whole(t[0]), lengths: Array.isArray(t[1]) ? (t[1] as number[]) : lengths };
  };
  const prefixForParsing = str(7) ?? str(5);
  const idd = str(1);
  const leading = str(10);
  plan = {
    callingCode: String(m[0]),
    idd: idd ? new RegExp(`^(?:${idd})`) : null,
    nationalPattern: whole(str(2) ?? ""),
    lengths,
    prefixForParsing: prefixForParsing ? new RegExp(`^(?:${prefixForParsing})`) : null,
    transformRule: str(8),
    leadingDigits: leading ? new RegExp(leading) : null,
    types: rawTypes
      ? {
          fixedLine: typeAt(0),
          mobile: typeAt(1),
          others: OTHER_TYPE_INDEXES.map(typeAt).filter((t): t is NumberType => t !== null),
        }
      : null,
  };
  plans.set(country, plan);
  return plan;
}

function isType(national: string, type: NumberType | null): boolean {
  if (!type) return false;
  if (type.lengths && !type.lengths.includes(national.length)) return false;
  return type.pattern.test(national);
}

/** The library's getNumberType(...) !== undefined. */
function hasType(national: string, plan: Plan): boolean {
  if (!plan.nationalPattern.test(national) || !plan.types) return false;
  const { fixedLine, mobile, others } = plan.types;
  return (
    isType(national, fixedLine) ||
    isType(national, mobile) ||
    others.some((t) => isType(national, t))
  );
}

function countryByNationalNumber(
  national: string,
  countries: readonly string[],
): string | undefined {
  for (const country of countries) {
    const plan = planOf(country);
    if (!plan) continue;
    if (plan.leadingDigits) {
      if (national.search(plan.leadingDigits) === 0) return country;
    } else if (hasType(national, plan)) return country;
  }
  return undefined;
}

function countryByCallingCode(callingCode: string, national: string): string | undefined {
  const countries = json.country_calling_codes[callingCode];
  if (!countries) return undefined;
  if (countries.length === 1) return countries[0];
  return countryByNationalNumber(national, countries);
}

/** Length check (checkNumberLength): false for TOO_SHORT and INVALID_LENGTH. */
function possibleIncomplete(national: string, plan: Plan): boolean {
  const lengths = plan.lengths;
  if (!lengths || lengths.length === 0) return true;
  const min = lengths[0] ?? 0;
  if (min === national.length) return true;
  if (min > national.length) return false;
  if ((lengths[lengths.length - 1] ?? 0) < national.length) return true;
  return lengths.indexOf(national.length, 1) >= 0;
}

/** extractNationalNumber: strips the national prefix where the library would. */
function nationalNumberOf(number: string, plan: Plan, callingCode: string): string {
  if (!plan.prefixForParsing) return number;
  const match = plan.prefixForParsing.exec(number);
  if (!match) return number;
  const groups = match.length - 1;
  const captured = groups > 0 && !!match[groups];
  const national =
    plan.transformRule && captured
      ? number.replace(plan.prefixForParsing, plan.transformRule)
      : number.slice(match[0].length);
  if (national === number) return number;
  if (plan.nationalPattern.test(number) && !plan.nationalPattern.test(national)) return number;
  if (plan.lengths) {
    const country = countryByCallingCode(callingCode, national);
    const lengthPlan = country ? planOf(country) : plan;
    if (lengthPlan && !possibleIncomplete(national, lengthPlan)) return number;
  }
  return national;
}

function validFor(callingCode: string, national: string, fallbackCountry?: string): boolean {
  if (national.length < MIN_NSN || national.length > MAX_NSN) return false;
  const country = countryByCallingCode(callingCode, national) ?? fallbackCountry;
  const mainCountry = json.country_calling_codes[callingCode]?.[0];
  const plan = planOf(country ?? mainCountry ?? "");
  if (!plan) return false;
  return plan.types ? hasType(national, plan) : plan.nationalPattern.test(national);
}

/**
 * Whether libphonenumber-js (max metadata) calls the number valid: `digits` is `+` and digits
 * with `region` null, or national digits with a default region. `undefined`: ask the library.
 */
export function fastValidity(digits: string, region: CountryCode | null): boolean | undefined {
  if (region === null) {
    if (!digits.startsWith("+")) return undefined;
    if (digits[1] === "0") return false;
    for (let i = 2; i <= 4 && i <= digits.length; i++) {
      const callingCode = digits.slice(1, i);
      const countries = json.country_calling_codes[callingCode];
      if (!countries) continue;
      const main = countries[0];
      if (!main || main === "001") return undefined;
      const plan = planOf(main);
      if (!plan) return undefined;
      return validFor(callingCode, nationalNumberOf(digits.slice(i), plan, callingCode));
    }
    // No geographic calling code: a non-geographic one (+800, +882) or none at all.
    return undefined;
  }
  const plan = planOf(region);
  if (!plan || !/^\d+$/.test(digits)) return undefined;
  // An international prefix, or the calling code without `+`: the library's other paths.
  if (plan.idd?.test(digits) || digits.startsWith(plan.callingCode)) return undefined;
  return validFor(plan.callingCode, nationalNumberOf(digits, plan, plan.callingCode), region);
}
