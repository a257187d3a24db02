/**
 * Reads the README's quick start so a test can follow it literally. Inside the block after the
 * `<!-- quickstart-steps … -->` marker, a step is either
 *
 * - a `curl` command (with `\` continuations): its URL, `-H` headers and `-d '…'` body, where
 *   `$NAME` in the URL/headers and `'"$NAME"'` splices in the body are shell variables; or
 * - `export NAME=…  # json.path`: "set NAME from this path of the previous answer".
 */
import { readFileSync } from "node:fs";

export type ReadmeStep =
  | {
      kind: "curl";
      url: string;
      headers: Array<[string, string]>;
      body: string | null;
      raw: string;
    }
  | { kind: "capture"; variable: string; path: string[] };

const MARKER = "<!-- quickstart-steps";

/** `marker` names another replayed block (e.g. the A2A walk-through); default: the quick start. */
export function readQuickstartSteps(readmePath: string, marker = MARKER): ReadmeStep[] {
  const readme = readFileSync(readmePath, "utf8");
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README has no ${marker} block`);
  const fence = readme.indexOf("```bash", start);
  const end = readme.indexOf("```", fence + 7);
  const lines = readme
    .slice(fence + 7, end)
    .replace(/\\\n\s*/g, " ")
    .split("\n");
  const steps: ReadmeStep[] = [];
  for (const line of lines.map((l) => l.trim())) {
    if (line.startsWith("curl ")) steps.push(parseCurl(line));
    const capture = /^export (\w+)=\S*\s+#\s*([\w.[\]]+)/.exec(line);
    if (capture?.[1] && capture[2]?.startsWith("data.")) {
      steps.push({ kind: "capture", variable: capture[1], path: capture[2].split(".") });
    }
  }
  return steps;
}

function parseCurl(line: string): ReadmeStep {
  const headers: Array<[string, string]> = [];
  for (const match of line.matchAll(/-H (?:"([^"]*)"|'([^']*)')/g)) {
    const header = match[1] ?? match[2] ?? "";
    const colon = header.indexOf(":");
    headers.push([header.slice(0, colon).trim(), header.slice(colon + 1).trim()]);
  }
  const body = /-d '((?:[^']|'"\$\w+"')*)'/.exec(line)?.[1] ?? null;
  const url = /\s(\$\w+\/\S*|https?:\/\/\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`no URL in README step: ${line}`);
  return { kind: "curl", url, headers, body, raw: line };
}

/** Expands `$NAME` (URL, headers) and `'"$NAME"'` (bodies) as the shell would. */
export function expand(text: string, variables: Record<string, string>): string {
  return text
    .replace(/'"\$(\w+)"'/g, (_, name: string) => variableValue(name, variables))
    .replace(/\$(\w+)/g, (whole, name: string) =>
      name in variables ? variableValue(name, variables) : whole,
    );
}

function variableValue(name: string, variables: Record<string, string>): string {
  const value = variables[name];
  if (value === undefined) throw new Error(`README uses $${name} before setting it`);
  return value;
}
