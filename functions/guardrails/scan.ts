/**
 * One text through a direction's detector rules: every finding, and the non-overlapping spans to
 * act on. Where findings overlap (an email inside a URL-like token flagged as a secret), the one
 * that starts first wins, and at the same start the longer one, so a redaction never cuts a
 * placeholder in half.
 */
import type { Finding } from "./detectors/types.ts";
import type { ActiveAction, DetectorRule } from "./policies.ts";

export interface RuledFinding extends Finding {
  action: ActiveAction;
  restore: boolean;
}

export function scanText(
  text: string,
  rules: readonly DetectorRule[],
  context: { fromTool: boolean },
): RuledFinding[] {
  if (text.length === 0) return [];
  const findings: RuledFinding[] = [];
  for (const rule of rules) {
    for (const finding of rule.detect(text, context)) {
      // Built field by field: an object spread over findings of several shapes (with and without
      // a score) took a slow generic path and was a third of the scan's cost on PII-dense text.
      const ruled: RuledFinding = {
        detector: finding.detector,
        start: finding.start,
        end: finding.end,
        signals: finding.signals,
        action: rule.action,
        restore: rule.restore,
      };
      if (finding.score !== undefined) ruled.score = finding.score;
      findings.push(ruled);
    }
  }
  return findings;
}

/** Non-overlapping findings in text order (earliest first, then longest). */
export function disjointSpans<T extends Finding>(findings: readonly T[]): T[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: T[] = [];
  let reached = -1;
  for (const finding of sorted) {
    if (finding.start < reached) continue;
    kept.push(finding);
    reached = finding.end;
  }
  return kept;
}
