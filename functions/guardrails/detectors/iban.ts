/**
 * International Bank Account Numbers (ISO 13616): country code, two check digits and the BBAN,
 * written as one run or in groups of four. `ibantools` checks the country's registered length
 * and BBAN format and the mod-97 check (ISO 7064), so a lookalike (wrong length for its country,
 * or one digit off) is not flagged.
 */
import { isValidIBAN } from "ibantools";
import type { Finding } from "./types.ts";

/** Two letters, two digits, then 10 to 30 alphanumerics, optionally in space-separated groups. */
const CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Za-z0-9]){10,30}(?![A-Za-z0-9])/g;

export function detectIbans(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const found = longestValidPrefix(match[0]);
    if (found === 0) continue;
    findings.push({
      detector: "IBAN",
      start: match.index,
      end: match.index + found,
      signals: [`iban_${match[0].slice(0, 2).toLowerCase()}`],
    });
  }
  return findings;
}

/**
 * Length of the longest prefix that is a valid IBAN. A grouped IBAN followed by a word
 * ("DE89 3704 0044 0532 0130 00 is mine") makes the candidate run on; trimming whole trailing
 * groups finds the IBAN inside it.
 */
function longestValidPrefix(candidate: string): number {
  let end = candidate.length;
  while (end >= 14) {
    const compact = candidate.slice(0, end).replaceAll(" ", "").toUpperCase();
    if (isValidIBAN(compact)) return end;
    const space = candidate.lastIndexOf(" ", end - 1);
    if (space < 0) return 0;
    end = space;
  }
  return 0;
}
