/**
 * Every detector's cost grows linearly with ordinary input (PII-dense and prose): 10× the text
 * costs < 20× the CPU time (a quadratic scan would cost ~100×). CPU time (process.cpuUsage) rather
 * than wall time, and best of several runs, so neighbours on a shared machine do not decide.
 * The pathological shapes are in bad-input.test.ts.
 */
import { describe, expect, it } from "vitest";
import { BUILT_IN_DETECTORS } from "../../functions/guardrails/detectors/index.ts";
import { compileTopicRules } from "../../functions/guardrails/detectors/topic.ts";
import type { Detect } from "../../functions/guardrails/detectors/types.ts";
import { piiDenseText, proseText } from "./sample-texts.ts";

const topic = compileTopicRules({
  words: ["falcon", "harbour"],
  phrases: ["reading rooms"],
  patterns: ["PRJ-\\d{4}"],
});
if (!topic.ok) throw new Error(topic.problem);

const DETECTORS: Record<string, Detect> = {
  ...Object.fromEntries(
    Object.entries(BUILT_IN_DETECTORS).map(([id, detect]) => [
      id,
      (text: string) => detect(text, { fromTool: false }),
    ]),
  ),
  TOPIC: topic.detect,
};

/** CPU ms to scan each text once, per text; best of five rounds over fresh texts. */
function cpuPerText(detect: Detect, make: (chars: number) => string, chars: number, count: number) {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const texts = Array.from({ length: count }, () => make(chars));
    const start = process.cpuUsage();
    for (const text of texts) detect(text);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / count);
  }
  return best;
}

describe("detector cost grows linearly with ordinary text", () => {
  for (const [kind, make] of [
    ["PII-dense", piiDenseText],
    ["prose", proseText],
  ] as const) {
    for (const [id, detect] of Object.entries(DETECTORS)) {
      it(`${id} on ${kind} text: 100 KB costs < 20× 10 KB`, () => {
        // Warm both sizes first: what a detector builds once (a region's patterns, compiled on its
        // first number) must not land in one measured side only.
        cpuPerText(detect, make, 10_240, 5);
        cpuPerText(detect, make, 102_400, 1);
        const small = cpuPerText(detect, make, 10_240, 10);
        const large = cpuPerText(detect, make, 102_400, 1);
        // The floor keeps a detector that returns at once (no "@", no digits) from dividing by ~0.
        expect(large / Math.max(small, 0.05)).toBeLessThan(20);
      });
    }
  }
});
