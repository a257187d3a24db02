/**
 * Phone numbers: E.164 (`+44 20 7946 0958`, `+1-415-555-2671`, `0044 …`) and the common national
 * formats of a few regions (`(415) 555-2671`, `030 901820`, `06 12 34 56 78`). libphonenumber-js
 * (Google's metadata) decides whether a number is valid for its country, so a digit run of the
 * right shape that no operator could assign is not flagged.
 *
 * Cost: libphonenumber's own text scanner is far too slow for a gateway hot path (≈40 ms per
 * 10 KB), so a linear regex finds candidates first and only those are validated.
 *
 * National numbers carry no country code and most digit runs are valid *somewhere*, so one is
 * flagged only when it is written like a phone number (grouped by separators or with a bracketed
 * area code) or follows a word that says so ("tel", "phone", "Telefon", ...), and never when it
 * reads as a date.
 */
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { LRUCache } from "lru-cache";
import { fastValidity } from "./phone-validity.ts";
import type { Finding } from "./types.ts";

/**
 * Validity comes from libphonenumber-js's metadata through ./phone-validity.ts (patterns compiled
 * once, a few µs per number). The paths it leaves to the library (non-geographic calling codes,
 * national numbers with an international prefix) cost 0.05–0.3 ms per parse; a conversation
 * resends its history every turn, so those answers are remembered per process.
 */
const validity = new LRUCache<string, boolean>({ max: 20_000 });

function isValidNumber(digits: string, region: CountryCode | null): boolean {
  const fast = fastValidity(digits, region);
  if (fast !== undefined) return fast;
  const key = `${region ?? "+"}:${digits}`;
  let valid = validity.get(key);
  if (valid === undefined) {
    const parsed = region
      ? parsePhoneNumberFromString(digits, region)
      : parsePhoneNumberFromString(digits);
    valid = parsed?.isValid() ?? false;
    validity.set(key, valid);
  }
  return valid;
}

/** `+` or `00`, or an opening bracket, then digits with single separators; 7–15 digits. */
const CANDIDATE =
  /(?<![\w+.,/-])(?:\+|00(?=[1-9]))?(?:\(\d{1,5}\)[ .-]?)?\d(?:[ .-]?\(?\d\)?){5,16}(?![\w]|[.,/-]\d)/g;

/** Regions tried for a national number, by its shape: trunk prefix 0, or NANP's ten digits. */
const TRUNK_ZERO_REGIONS: readonly CountryCode[] = ["GB", "DE", "FR", "IT", "NL", "IN"];
const TEN_DIGIT_REGIONS: readonly CountryCode[] = ["US", "IN", "IT"];
const OTHER_REGIONS: readonly CountryCode[] = ["ES", "IT", "FR", "DE"];
/** A dotted quad is an address (or a version), never a phone number. */
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const PHONE_WORDS =
  /(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|telefon|handy|téléphone|portable|teléfono|móvil|telefono|cellulare|telefoon|電話|电话|携帯)[\s.:#()-]{0,5}(?:(?:no|nr|number|nummer|numéro|número)\.?[\s:]{0,3})?$/i;
/** Dates, and decimals such as 3.14159265, are written with the same characters. */
const DATE_LIKE =
  /^(?:\d{1,3}\.\d+$|\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;

export function detectPhoneNumbers(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const raw = match[0];
    const digits = raw.replace(/\D/g, "");
    if (digits.length < 7 || digits.length > 15 || DATE_LIKE.test(raw) || DOTTED_QUAD.test(raw)) {
      continue;
    }
    const signal = classify(text, match.index, raw);
    if (signal === null) continue;
    findings.push({
      detector: "PHONE",
      start: match.index,
      end: match.index + raw.length,
      signals: [signal],
    });
  }
  return findings;
}

function classify(text: string, start: number, raw: string): string | null {
  if (raw.startsWith("+") || raw.startsWith("00")) {
    const digits = raw.replace(/\D/g, "").replace(/^00/, "");
    return isValidNumber(`+${digits}`, null) ? "e164" : null;
  }
  const formatted = /[ .-]/.test(raw.trim()) || raw.startsWith("(");
  const announced = PHONE_WORDS.test(text.slice(Math.max(0, start - 24), start));
  if (!formatted && !announced) return null;
  const digits = raw.replace(/\D/g, "");
  const regions = digits.startsWith("0")
    ? TRUNK_ZERO_REGIONS
    : digits.length === 10
      ? TEN_DIGIT_REGIONS
      : OTHER_REGIONS;
  for (const region of regions) {
    if (isValidNumber(digits, region)) return `national_${region.toLowerCase()}`;
  }
  return null;
}
