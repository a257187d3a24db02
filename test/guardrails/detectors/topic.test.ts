import { describe, expect, it } from "vitest";
import { compileTopicRules } from "../../../functions/guardrails/detectors/topic.ts";
import { matchedTexts } from "./table.ts";

function compiled(rules: { words?: string[]; phrases?: string[]; patterns?: string[] }) {
  const result = compileTopicRules({ words: [], phrases: [], patterns: [], ...rules });
  if (!result.ok) throw new Error(result.problem);
  return result.detect;
}

describe("topic deny lists", () => {
  it("matches whole words in any case, not inside other words", () => {
    const detect = compiled({ words: ["merger", "Projekt Falke"] });
    const text = "The MERGER talks; mergers; emerger; projekt falke!";
    expect(matchedTexts(text, detect(text))).toEqual(["MERGER", "projekt falke"]);
  });

  it("matches adjacent words one after the other", () => {
    const detect = compiled({ words: ["x"] });
    expect(detect("x x x")).toHaveLength(3);
  });

  it("matches phrases across any whitespace", () => {
    const detect = compiled({ phrases: ["quarterly results"] });
    const text = "our Quarterly\n  results leaked";
    expect(matchedTexts(text, detect(text))).toEqual(["Quarterly\n  results"]);
  });

  it("runs org regexes and names the rule", () => {
    const detect = compiled({ patterns: ["PRJ-\\d{4}"] });
    const findings = detect("see PRJ-1234 and PRJ-99");
    expect(findings.map((finding) => finding.signals[0])).toEqual(["pattern_1"]);
  });

  it.each([
    ["a backreference", "(a)\\1"],
    ["a lookahead", "foo(?=bar)"],
    ["an unclosed group", "(abc"],
  ])("refuses %s", (_why, pattern) => {
    const result = compileTopicRules({ words: [], phrases: [], patterns: [pattern] });
    expect(result.ok).toBe(false);
  });

  it("matches a catastrophic-backtracking pattern in linear time", () => {
    const detect = compiled({ patterns: ["(a+)+$b"] });
    const small = "a".repeat(2_000);
    const large = "a".repeat(20_000);
    const time = (text: string) => {
      const start = performance.now();
      detect(text);
      return performance.now() - start;
    };
    time(small);
    const ratio = time(large) / Math.max(time(small), 0.05);
    // Linear: ten times the input costs about ten times as much (a backtracking engine: forever).
    expect(ratio).toBeLessThan(60);
  });
});
