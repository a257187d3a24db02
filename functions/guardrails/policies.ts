/**
 * From an org's guardrail policies to what runs on one call: for each direction, the detectors
 * that are on and what each does. Pure; the cache (./policy-cache.ts) feeds it.
 *
 * Precedence: the most specific scope that names a detector decides for it, AGENT over KEY over
 * TEAM over ORG (the order in which authority narrows, DESIGN.md "Delegation grants"). Within
 * one scope, a policy for the exact direction goes before one for BOTH. A decision of OFF turns
 * the detector off for the caller even when a wider scope turns it on.
 *
 * Nothing here loads a detector: ./compile-policy.ts does, when an org has a policy at all.
 */
import type {
  GuardrailAction,
  GuardrailDirection,
  GuardrailScope,
} from "../../db/schema/guardrails.ts";
import type { TopicRules } from "./detectors/topic.ts";
import type { DetectorId, Finding } from "./detectors/types.ts";

export interface GuardrailPolicy {
  id: string;
  scope: GuardrailScope;
  scopeId: string;
  direction: GuardrailDirection;
  detectors: DetectorId[];
  action: GuardrailAction;
  restorePlaceholders: boolean;
  topics: TopicRules;
}

export type ScanDirection = "INPUT" | "OUTPUT";
export type ActiveAction = Exclude<GuardrailAction, "OFF">;

/** One detector switched on for one direction of a call. */
export interface DetectorRule {
  detector: DetectorId;
  action: ActiveAction;
  /** Input REDACT only: restore the placeholders in the answer. */
  restore: boolean;
  detect: (text: string, context: { fromTool: boolean }) => Finding[];
}

export interface CallGuardrails {
  INPUT: DetectorRule[];
  OUTPUT: DetectorRule[];
}

/** Who the call is for, as far as guardrail scopes go. */
export interface ScopeIds {
  orgId: string;
  teamId: string | null;
  keyId: string;
  agentId: string | null;
}

const SPECIFICITY: readonly GuardrailScope[] = ["AGENT", "KEY", "TEAM", "ORG"];

export function rulesForCall(policies: readonly CompiledPolicy[], who: ScopeIds): CallGuardrails {
  return { INPUT: rulesFor(policies, who, "INPUT"), OUTPUT: rulesFor(policies, who, "OUTPUT") };
}

function rulesFor(
  policies: readonly CompiledPolicy[],
  who: ScopeIds,
  direction: ScanDirection,
): DetectorRule[] {
  const ids: Record<GuardrailScope, string | null> = {
    AGENT: who.agentId,
    KEY: who.keyId,
    TEAM: who.teamId,
    ORG: who.orgId,
  };
  const ordered = SPECIFICITY.flatMap((scope) =>
    policies
      .filter((p) => p.policy.scope === scope && p.policy.scopeId === ids[scope])
      .filter((p) => p.policy.direction === direction || p.policy.direction === "BOTH")
      // The exact direction first, then BOTH.
      .sort(
        (a, b) => Number(a.policy.direction === "BOTH") - Number(b.policy.direction === "BOTH"),
      ),
  );
  const decided = new Map<DetectorId, DetectorRule | null>();
  for (const compiled of ordered) {
    const { policy } = compiled;
    for (const detector of policy.detectors) {
      if (decided.has(detector)) continue;
      const detect = compiled.detectors.get(detector);
      decided.set(
        detector,
        policy.action === "OFF" || !detect
          ? null
          : {
              detector,
              action: policy.action,
              restore:
                direction === "INPUT" && policy.action === "REDACT" && policy.restorePlaceholders,
              detect,
            },
      );
    }
  }
  return [...decided.values()].filter((rule): rule is DetectorRule => rule !== null);
}

/** A policy with its detectors ready to run (the TOPIC deny list compiled once, at load). */
export interface CompiledPolicy {
  policy: GuardrailPolicy;
  detectors: Map<DetectorId, DetectorRule["detect"]>;
}
