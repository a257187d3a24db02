/**
 * `npm run guardrails:eval`: precision and recall of every built-in detector on the labelled
 * corpus in test/guardrails/corpus/. `--verbose` lists each mistake.
 */
import {
  BUILT_IN_DETECTORS,
  type BuiltInDetectorId,
} from "../functions/guardrails/detectors/index.ts";
import { scoreDetector } from "../test/guardrails/corpus/evaluate.ts";

const verbose = process.argv.includes("--verbose");
const rows = (Object.keys(BUILT_IN_DETECTORS) as BuiltInDetectorId[]).map(scoreDetector);

console.log("detector       entries   TP   FP   FN  precision  recall");
for (const row of rows) {
  console.log(
    [
      row.detector.padEnd(14),
      String(row.entries).padStart(7),
      String(row.truePositives).padStart(4),
      String(row.falsePositives).padStart(4),
      String(row.falseNegatives).padStart(4),
      row.precision.toFixed(3).padStart(10),
      row.recall.toFixed(3).padStart(7),
    ].join(" "),
  );
  if (verbose) {
    for (const mistake of row.mistakes)
      console.log(`    ${mistake.kind}: ${JSON.stringify(mistake.text)}`);
  }
}
