/**
 * A stored policy made ready to run: its detectors looked up, its TOPIC deny list compiled once.
 * Its own module because the detectors bring their libraries (phone-number metadata, IBAN
 * checks, RE2: about 100 files and 150 ms to load): the policy cache imports it only when an org
 * has a policy, so a gateway whose orgs have none never loads them, and none does at start.
 */
import { BUILT_IN_DETECTORS } from "./detectors/index.ts";
import { compileTopicRules } from "./detectors/topic.ts";
import type { DetectorId } from "./detectors/types.ts";
import type { CompiledPolicy, DetectorRule, GuardrailPolicy } from "./policies.ts";

export function compilePolicy(policy: GuardrailPolicy): CompiledPolicy {
  const detectors = new Map<DetectorId, DetectorRule["detect"]>();
  for (const detector of policy.detectors) {
    if (detector !== "TOPIC") {
      detectors.set(detector, BUILT_IN_DETECTORS[detector]);
      continue;
    }
    const topic = compileTopicRules(policy.topics);
    // Rules are checked when set (schema/types/guardrail-policy.ts); a row that no longer
    // compiles (an older engine, a hand edit) leaves the detector off rather than failing calls.
    if (topic.ok) detectors.set("TOPIC", topic.detect);
  }
  return { policy, detectors };
}
