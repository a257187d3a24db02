/**
 * Writes the labelled corpus (one JSONL file per detector) from the values and lookalikes below.
 * Run after editing: `npx tsx test/guardrails/corpus/generate.ts`. The output is checked in and
 * the eval reads only the files, so a change to this generator shows up in review as data.
 *
 * Lookalikes are made by the rule a checksum exists for: one digit changed (caught by Luhn and
 * mod-97), a length wrong for the country, a range the issuer never uses.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { framed } from "./sentences.ts";
import { VALUES } from "./values.ts";

export interface CorpusEntry {
  text: string;
  /** The substrings a detector should flag; empty for a negative. */
  expect: string[];
  /** Injection only: the text came from a tool result. */
  role?: "user" | "tool";
  note?: string;
}

const here = new URL(".", import.meta.url).pathname;

for (const [detector, set] of Object.entries(VALUES)) {
  const entries: CorpusEntry[] = [];
  set.positives.forEach((value, index) => {
    const { text } = framed(index, value);
    entries.push({ text, expect: [value] });
  });
  set.lookalikes.forEach((value, index) => {
    const { text } = framed(index + 3, value);
    entries.push({ text, expect: [], note: "lookalike" });
  });
  for (const entry of set.texts ?? []) entries.push(entry);
  const file = join(here, `${detector.toLowerCase()}.jsonl`);
  writeFileSync(file, `${entries.map((entry) => JSON.stringify(entry)).join("\n")}\n`);
  console.log(`${file}: ${entries.length} entries`);
}
