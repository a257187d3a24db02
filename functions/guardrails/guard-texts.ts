/**
 * Runs a direction's rules over a set of text slots: counts every finding into the decisions,
 * rewrites the slots where a REDACT rule matched, and reports the first BLOCK, if any. Nothing
 * is rewritten when a BLOCK matched: the content goes nowhere.
 */

import type { TextSlot } from "./chat-texts.ts";
import { addFindings, type GuardrailDecision } from "./decisions.ts";
import type { DetectorRule, ScanDirection } from "./policies.ts";
import type { Redactor } from "./redaction.ts";
import { disjointSpans, type RuledFinding, scanText } from "./scan.ts";

export interface GuardOutcome {
  /** The detector that blocked, or null. */
  blockedBy: RuledFinding["detector"] | null;
}

export function guardTexts(
  slots: readonly TextSlot[],
  rules: readonly DetectorRule[],
  direction: ScanDirection,
  redactor: Redactor,
  decisions: GuardrailDecision[],
): GuardOutcome {
  const rewrites: { slot: TextSlot; findings: RuledFinding[] }[] = [];
  let blockedBy: GuardOutcome["blockedBy"] = null;
  for (const slot of slots) {
    const findings = scanText(slot.text, rules, { fromTool: slot.fromTool });
    if (findings.length === 0) continue;
    addFindings(decisions, direction, findings);
    blockedBy ??= findings.find((finding) => finding.action === "BLOCK")?.detector ?? null;
    const redacted = findings.filter((finding) => finding.action === "REDACT");
    if (redacted.length > 0) rewrites.push({ slot, findings: redacted });
  }
  if (blockedBy !== null) return { blockedBy };
  for (const { slot, findings } of rewrites) {
    slot.write(redactor.redact(slot.text, disjointSpans(findings)));
  }
  return { blockedBy: null };
}
