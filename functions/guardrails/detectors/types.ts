/**
 * What every detector returns: spans of the scanned text, never copies of it. A finding names
 * where the match is (UTF-16 offsets into the text that was scanned) so that redaction can cut
 * it out, and what matched (signals) without repeating the matched text anywhere else.
 */
export const DETECTOR_IDS = [
  "EMAIL",
  "PHONE",
  "PAYMENT_CARD",
  "IBAN",
  "US_SSN",
  "IP_ADDRESS",
  "SECRET",
  "INJECTION",
  "TOPIC",
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

export interface Finding {
  detector: DetectorId;
  start: number;
  end: number;
  /** Names of the rules that matched, e.g. `openai_key`, `instruction_override`. */
  signals: string[];
  /** For scored detectors (injection): the combined score of the text, in [0, 1]. */
  score?: number;
}

/** A detector is a pure function over one string. */
export type Detect = (text: string) => Finding[];

/** Every match of a global regex, as spans (the regex must have the `g` flag). */
export function spansOf(pattern: RegExp, text: string): RegExpExecArray[] {
  pattern.lastIndex = 0;
  return [...text.matchAll(pattern)];
}
