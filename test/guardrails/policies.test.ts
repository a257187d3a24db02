/** Which policy decides for a caller: pure, over compiled policies. */
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../functions/guardrails/compile-policy.ts";
import { type GuardrailPolicy, rulesForCall } from "../../functions/guardrails/policies.ts";

const who = { orgId: "org", teamId: "team", keyId: "key", agentId: "agent" };
let n = 0;
const policy = (overrides: Partial<GuardrailPolicy>) =>
  compilePolicy({
    id: `p${++n}`,
    scope: "ORG",
    scopeId: "org",
    direction: "BOTH",
    detectors: ["EMAIL"],
    action: "FLAG",
    restorePlaceholders: false,
    topics: { words: [], phrases: [], patterns: [] },
    ...overrides,
  });
const actions = (rules: { detector: string; action: string }[]) =>
  Object.fromEntries(rules.map((rule) => [rule.detector, rule.action]));

describe("policy precedence", () => {
  it("takes the most specific scope naming a detector: agent, key, team, org", () => {
    const rules = rulesForCall(
      [
        policy({
          scope: "ORG",
          scopeId: "org",
          detectors: ["EMAIL", "PHONE", "IBAN", "SECRET"],
          action: "FLAG",
        }),
        policy({
          scope: "TEAM",
          scopeId: "team",
          detectors: ["PHONE", "IBAN", "SECRET"],
          action: "REDACT",
        }),
        policy({ scope: "KEY", scopeId: "key", detectors: ["IBAN", "SECRET"], action: "BLOCK" }),
        policy({ scope: "AGENT", scopeId: "agent", detectors: ["SECRET"], action: "OFF" }),
      ],
      who,
    );
    expect(actions(rules.INPUT)).toEqual({ EMAIL: "FLAG", PHONE: "REDACT", IBAN: "BLOCK" });
  });

  it("ignores policies on other teams, keys and agents", () => {
    const rules = rulesForCall(
      [
        policy({ scope: "KEY", scopeId: "another key", action: "BLOCK" }),
        policy({ action: "FLAG" }),
      ],
      who,
    );
    expect(actions(rules.INPUT)).toEqual({ EMAIL: "FLAG" });
  });

  it("prefers a policy for the exact direction over BOTH on the same scope", () => {
    const rules = rulesForCall(
      [
        policy({ direction: "BOTH", action: "FLAG" }),
        policy({ direction: "OUTPUT", action: "BLOCK" }),
      ],
      who,
    );
    expect(actions(rules.INPUT)).toEqual({ EMAIL: "FLAG" });
    expect(actions(rules.OUTPUT)).toEqual({ EMAIL: "BLOCK" });
  });

  it("restores only for input REDACT policies that ask for it", () => {
    const rules = rulesForCall([policy({ action: "REDACT", restorePlaceholders: true })], who);
    expect(rules.INPUT[0]?.restore).toBe(true);
    expect(rules.OUTPUT[0]?.restore).toBe(false);
  });

  it("compiles the TOPIC deny list of the policy that names it", () => {
    const rules = rulesForCall(
      [
        policy({
          detectors: ["TOPIC"],
          action: "BLOCK",
          topics: { words: ["falcon"], phrases: [], patterns: [] },
        }),
      ],
      who,
    );
    expect(rules.INPUT[0]?.detect("Project Falcon launch", { fromTool: false })).toHaveLength(1);
  });
});
