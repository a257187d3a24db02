/**
 * Payment card numbers (PANs): 13 to 19 digits, optionally grouped by single spaces or hyphens,
 * with a known issuer prefix (ISO/IEC 7812 IIN ranges of the schemes in use) and a valid Luhn
 * check digit. The prefix and the checksum together keep order numbers, phone numbers and
 * timestamps of the same length from being flagged: a random 16-digit string passes Luhn one
 * time in ten, and an issuer prefix as well roughly one time in fifty.
 */
import { passesLuhn } from "./luhn.ts";
import type { Finding } from "./types.ts";

/** Digit runs with at most one space or hyphen between digits; not part of a longer number. */
const CANDIDATE = /(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\d]|[.,-]\d)/g;

interface Scheme {
  name: string;
  lengths: readonly number[];
  matches: (digits: string) => boolean;
}

const prefixBetween = (digits: string, length: number, low: number, high: number) => {
  const prefix = Number(digits.slice(0, length));
  return prefix >= low && prefix <= high;
};

const SCHEMES: readonly Scheme[] = [
  { name: "visa", lengths: [13, 16, 19], matches: (d) => d.startsWith("4") },
  {
    name: "mastercard",
    lengths: [16],
    matches: (d) => prefixBetween(d, 2, 51, 55) || prefixBetween(d, 4, 2221, 2720),
  },
  { name: "amex", lengths: [15], matches: (d) => d.startsWith("34") || d.startsWith("37") },
  {
    name: "discover",
    lengths: [16, 19],
    matches: (d) => d.startsWith("6011") || d.startsWith("65") || prefixBetween(d, 3, 644, 649),
  },
  { name: "jcb", lengths: [16, 17, 18, 19], matches: (d) => prefixBetween(d, 4, 3528, 3589) },
  {
    name: "diners",
    lengths: [14, 16, 19],
    matches: (d) => prefixBetween(d, 3, 300, 305) || d.startsWith("36") || d.startsWith("38"),
  },
  { name: "unionpay", lengths: [16, 17, 18, 19], matches: (d) => d.startsWith("62") },
  {
    name: "maestro",
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
    matches: (d) =>
      ["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"].some((p) =>
        d.startsWith(p),
      ),
  },
];

export function cardSchemeOf(digits: string): string | null {
  for (const scheme of SCHEMES) {
    if (scheme.lengths.includes(digits.length) && scheme.matches(digits)) return scheme.name;
  }
  return null;
}

export function detectPaymentCards(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const raw = match[0];
    // Mixed separators ("4111-1111 1111") are not how a card number is written.
    if (raw.includes(" ") && raw.includes("-")) continue;
    const digits = raw.replace(/[ -]/g, "");
    const scheme = cardSchemeOf(digits);
    if (scheme === null || !passesLuhn(digits)) continue;
    findings.push({
      detector: "PAYMENT_CARD",
      start: match.index,
      end: match.index + raw.length,
      signals: [scheme],
    });
  }
  return findings;
}
