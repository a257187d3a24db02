/**
 * Scores each detector against its labelled corpus file. PII detectors are scored by span: a
 * finding that overlaps a labelled value is a true positive, one that overlaps none a false
 * positive, and a labelled value no finding overlaps a false negative. Injection is scored per
 * text, since it is a judgement on the whole message.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUILT_IN_DETECTORS,
  type BuiltInDetectorId,
} from "../../../functions/guardrails/detectors/index.ts";
import type { CorpusEntry } from "./generate.ts";

export interface DetectorScore {
  detector: BuiltInDetectorId;
  entries: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** The texts it got wrong, for whoever tunes it. */
  mistakes: { text: string; kind: "false_positive" | "false_negative" }[];
}

const corpusDir = new URL(".", import.meta.url).pathname;

export function loadCorpus(detector: BuiltInDetectorId): CorpusEntry[] {
  const file = join(corpusDir, `${detector.toLowerCase()}.jsonl`);
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as CorpusEntry);
}

export function scoreDetector(detector: BuiltInDetectorId): DetectorScore {
  const entries = loadCorpus(detector);
  const detect = BUILT_IN_DETECTORS[detector];
  const score: DetectorScore = {
    detector,
    entries: entries.length,
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    precision: 0,
    recall: 0,
    mistakes: [],
  };
  for (const entry of entries) {
    const findings = detect(entry.text, { fromTool: entry.role === "tool" });
    if (detector === "INJECTION") {
      const flagged = findings.length > 0;
      const labelled = entry.expect.length > 0;
      if (flagged && labelled) score.truePositives++;
      if (flagged && !labelled) miss(score, entry, "false_positive");
      if (!flagged && labelled) miss(score, entry, "false_negative");
      continue;
    }
    const expected = entry.expect.flatMap((value) => occurrences(entry.text, value));
    for (const finding of findings) {
      const hit = expected.some(([start, end]) => finding.start < end && start < finding.end);
      if (!hit) miss(score, entry, "false_positive");
    }
    for (const [start, end] of expected) {
      const found = findings.some((finding) => finding.start < end && start < finding.end);
      if (found) score.truePositives++;
      else miss(score, entry, "false_negative");
    }
  }
  const flagged = score.truePositives + score.falsePositives;
  const labelled = score.truePositives + score.falseNegatives;
  score.precision = flagged === 0 ? 1 : score.truePositives / flagged;
  score.recall = labelled === 0 ? 1 : score.truePositives / labelled;
  return score;
}

function miss(score: DetectorScore, entry: CorpusEntry, kind: "false_positive" | "false_negative") {
  if (kind === "false_positive") score.falsePositives++;
  else score.falseNegatives++;
  score.mistakes.push({ text: entry.text, kind });
}

function occurrences(text: string, value: string): [number, number][] {
  const spans: [number, number][] = [];
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
    spans.push([at, at + value.length]);
  }
  return spans;
}
