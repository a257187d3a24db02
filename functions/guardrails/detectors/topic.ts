/**
 * Org-defined deny lists: words (whole words, any case), phrases (any run of whitespace between
 * their words) and regular expressions. Every rule is compiled to RE2 (re2js), whose matching is
 * linear in the input whatever the pattern: a rule like `(a+)+b` cannot stall a request. RE2
 * refuses what it cannot run in linear time (backreferences, lookaround), and the admin API
 * reports that as bad input when the policy is set.
 */
import { RE2JS } from "re2js";
import type { Detect, Finding } from "./types.ts";

export interface TopicRules {
  words: readonly string[];
  phrases: readonly string[];
  patterns: readonly string[];
}

export const TOPIC_LIMITS = { rules: 200, ruleChars: 500 } as const;

export type TopicCompileResult = { ok: true; detect: Detect } | { ok: false; problem: string };

export function compileTopicRules(rules: TopicRules): TopicCompileResult {
  const all = [...rules.words, ...rules.phrases, ...rules.patterns];
  if (all.length > TOPIC_LIMITS.rules) {
    return { ok: false, problem: `at most ${TOPIC_LIMITS.rules} topic rules` };
  }
  const tooLong = all.find((rule) => rule.length === 0 || rule.length > TOPIC_LIMITS.ruleChars);
  if (tooLong !== undefined) {
    return { ok: false, problem: `each topic rule has 1 to ${TOPIC_LIMITS.ruleChars} characters` };
  }
  const compiled: { signal: string; re: RE2JS }[] = [];
  const literals = [
    ...rules.words.map((word) => `(?:^|[^\\pL\\pN_])(${RE2JS.quote(word)})(?:$|[^\\pL\\pN_])`),
    ...rules.phrases.map(
      (phrase) => `(${phrase.trim().split(/\s+/).map(RE2JS.quote).join("\\s+")})`,
    ),
  ];
  if (literals.length > 0) {
    // One alternation for every word and phrase: one pass over the text, whatever their number.
    compiled.push({
      signal: "deny_list",
      re: RE2JS.compile(literals.join("|"), RE2JS.CASE_INSENSITIVE),
    });
  }
  for (const [index, pattern] of rules.patterns.entries()) {
    try {
      compiled.push({ signal: `pattern_${index + 1}`, re: RE2JS.compile(pattern) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : "invalid";
      return {
        ok: false,
        problem: `pattern ${index + 1} is not a linear-time (RE2) regex: ${reason}`,
      };
    }
  }
  return {
    ok: true,
    detect: (text) => compiled.flatMap(({ signal, re }) => matchesOf(re, text, signal)),
  };
}

function matchesOf(re: RE2JS, text: string, signal: string): Finding[] {
  const findings: Finding[] = [];
  const matcher = re.matcher(text);
  let from = 0;
  while (from <= text.length && matcher.find(from)) {
    // The word rules capture the word without its boundary characters.
    const group = firstMatchedGroup(matcher);
    const [start, end] = group ?? [matcher.start(), matcher.end()];
    findings.push({ detector: "TOPIC", start, end, signals: [signal] });
    // Resume after the word itself, so the boundary character it consumed can start the next.
    from = end > start ? end : end + 1;
  }
  return findings;
}

function firstMatchedGroup(matcher: ReturnType<RE2JS["matcher"]>): [number, number] | null {
  for (let group = 1; group <= matcher.groupCount(); group++) {
    const start = matcher.start(group);
    if (start >= 0) return [start, matcher.end(group)];
  }
  return null;
}
