/**
 * What the guardrails decided on a call, counted per direction and detector: the record that goes
 * with the usage record, into guardrail_events and the audit trail, and into the
 * `x-switchyard-guardrails` header. It holds counts and signal names, never matched text.
 */
import type { DetectorId } from "./detectors/types.ts";
import type { ActiveAction, ScanDirection } from "./policies.ts";
import type { RuledFinding } from "./scan.ts";

export interface GuardrailDecision {
  direction: ScanDirection;
  detector: DetectorId;
  action: ActiveAction;
  matches: number;
  signals: string[];
  /** Scored detectors (injection): the highest score seen. */
  score: number | null;
}

export function addFindings(
  decisions: GuardrailDecision[],
  direction: ScanDirection,
  findings: readonly RuledFinding[],
): void {
  for (const finding of findings) {
    let decision = decisions.find(
      (d) => d.direction === direction && d.detector === finding.detector,
    );
    if (!decision) {
      decision = {
        direction,
        detector: finding.detector,
        action: finding.action,
        matches: 0,
        signals: [],
        score: null,
      };
      decisions.push(decision);
    }
    decision.matches++;
    for (const signal of finding.signals) {
      if (!decision.signals.includes(signal)) decision.signals.push(signal);
    }
    if (finding.score !== undefined) decision.score = Math.max(decision.score ?? 0, finding.score);
  }
}

/**
 * `input.email=redact;n=2, output.secret=flag;n=1`, or `none` when the guardrails ran and found
 * nothing. Lower case, like the other x-switchyard values.
 */
export function guardrailsHeader(decisions: readonly GuardrailDecision[]): string {
  if (decisions.length === 0) return "none";
  return decisions
    .map(
      (d) =>
        `${d.direction.toLowerCase()}.${d.detector.toLowerCase()}=${d.action.toLowerCase()};n=${d.matches}`,
    )
    .join(", ");
}
