/**
 * How much of a stream's not-yet-sent text must stay held, because a match could still grow
 * across its end when the next chunk arrives.
 *
 * - Token-shaped detectors (email, phone, card, IBAN, SSN, IP, secrets): no match spans a
 *   whitespace except between tokens that carry digits or symbols (`+44 20 7946 0958`,
 *   `4111 1111 1111 1111`), upper-case groups (`GB82 WEST 1234 …`, `BEGIN RSA PRIVATE KEY`)
 *   or short groups right after those (a lower-case IBAN group). So what ends in a run of such
 *   tokens is held from the run's first token, and the last token is always held (it may not be
 *   complete). An ordinary word (letters, at least one lower case, then sentence punctuation at
 *   most) that is followed by whitespace ends every possible match: the text up to it leaves.
 * - INJECTION: its phrases span ordinary words, but each starts with one of a few words
 *   (`ignore`, `you`, `reveal`, …): text is held from the first such word in the window, and an
 *   open `<!--` is held; prose without those words flows like the above.
 * - TOPIC: org phrases and regexes can span anything: the whole window is held.
 *
 * The window (HOLD_CHARS) bounds every hold: text further back leaves whatever it holds.
 */
import type { DetectorId } from "./detectors/types.ts";

const TOKEN_SHAPED: readonly DetectorId[] = [
  "EMAIL",
  "PHONE",
  "PAYMENT_CARD",
  "IBAN",
  "US_SSN",
  "IP_ADDRESS",
  "SECRET",
];
/** A word no token-shaped match can contain, followed by whitespace. */
const ORDINARY_WORD = /^[\p{L}\p{M}'’]*\p{Ll}[\p{L}\p{M}'’]*[.,;:!?)"'’]*$/u;
/** As long as an IBAN group: right after a digit token it may be one. */
const SHORT_WORD_CHARS = 4;
/**
 * Where an injection phrase can begin: the first words of PHRASE_SIGNALS' patterns as whole words
 * (`ignor…` and `esque…` as prefixes), their CJK openings anywhere, tags, and an open `<!--`.
 * Kept in step with injection-signals.ts by test/guardrails/stream-guard.test.ts.
 */
const INJECTION_STARTS = new RegExp(
  [
    String.raw`(?<![\p{L}\p{N}])(?:ignor\p{L}*|esque\p{L}*|disregard|forget|skip|override|bypass|vergiss|oublie|olvida|dimentica|negeer|new|from|reveal|print|show|repeat|output|leak|tell|you|act|pretend|roleplay|developer|god|jailbreak|unrestricted|enable|no|assistant|ai|model|agent|system|send|forward|post|upload|exfiltrate)(?![\p{L}\p{N}])`,
    "忽略|无视|忘记|忽視|以前|前|上記",
    String.raw`<\/?(?:system|im_|tool_output|instructions)`,
    "<!--",
  ].join("|"),
  "giu",
);

/**
 * Index into `text` (text not yet sent) from which it must be held for the given detectors;
 * `text.length` when all of it can leave.
 */
export function holdFrom(text: string, detectors: ReadonlySet<DetectorId>): number {
  if (text.length === 0 || detectors.size === 0) return text.length;
  if (detectors.has("TOPIC")) return 0;
  // The last word may not be complete yet, whatever it turns out to be.
  let from = TOKEN_SHAPED.some((id) => detectors.has(id))
    ? tokenRunStart(text)
    : lastWordStart(text);
  if (detectors.has("INJECTION")) from = Math.min(from, injectionStart(text));
  return from;
}

function lastWordStart(text: string): number {
  let start = text.length;
  while (start > 0 && !isSpace(text.charCodeAt(start - 1))) start--;
  return start;
}

/** Start of the trailing run of tokens a token-shaped match could still span. */
function tokenRunStart(text: string): number {
  // The last token has no whitespace after it yet: it may continue.
  const end = lastWordStart(text);
  let runStart = end;
  // Walk back over whole tokens while they could be part of a match spanning whitespace.
  let tokenEnd = end;
  while (tokenEnd > 0) {
    let spaceStart = tokenEnd;
    while (spaceStart > 0 && isSpace(text.charCodeAt(spaceStart - 1))) spaceStart--;
    let tokenStart = spaceStart;
    while (tokenStart > 0 && !isSpace(text.charCodeAt(tokenStart - 1))) tokenStart--;
    if (tokenStart === spaceStart) break;
    const token = text.slice(tokenStart, spaceStart);
    if (isOrdinary(token, text, tokenStart)) break;
    runStart = tokenStart;
    tokenEnd = tokenStart;
  }
  return runStart;
}

/**
 * An ordinary word ends every token-shaped match, unless it is short enough to be an IBAN group
 * and follows a token that is not ordinary.
 */
function isOrdinary(token: string, text: string, tokenStart: number): boolean {
  if (!ORDINARY_WORD.test(token)) return false;
  if (token.length > SHORT_WORD_CHARS) return true;
  let end = tokenStart;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
  let start = end;
  while (start > 0 && !isSpace(text.charCodeAt(start - 1))) start--;
  return start === end || ORDINARY_WORD.test(text.slice(start, end));
}

function injectionStart(text: string): number {
  INJECTION_STARTS.lastIndex = 0;
  const found = INJECTION_STARTS.exec(text);
  return found ? found.index : text.length;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x3000;
}
