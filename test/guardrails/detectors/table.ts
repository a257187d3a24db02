/** Shared by the detector tables: what a detector found, as the substrings it covers. */
import type { Finding } from "../../../functions/guardrails/detectors/types.ts";

export function matchedTexts(text: string, findings: Finding[]): string[] {
  return findings.map((finding) => text.slice(finding.start, finding.end));
}
