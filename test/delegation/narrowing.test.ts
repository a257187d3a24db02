/**
 * The narrowing rules of a new grant, one refusal per row: authority only shrinks down a chain.
 */
import { describe, expect, it } from "vitest";
import { intersectPatterns, patternsSubset } from "../../functions/delegation/model-patterns.ts";
import {
  type AgentFacts,
  decideGrant,
  type GrantorAuthority,
  type GrantRefusal,
  type GrantRequest,
  type ParentGrantFacts,
} from "../../functions/delegation/narrowing.ts";

const NOW = new Date("2026-06-01T00:00:00Z");
const HOUR = 3_600_000;
const USD = 1_000_000_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);

const A: AgentFacts = { id: "a", orgId: "org", disabled: false };
const B: AgentFacts = { id: "b", orgId: "org", disabled: false };
const C: AgentFacts = { id: "c", orgId: "org", disabled: false };

const grantor: GrantorAuthority = {
  keys: [{ models: ["openai/*", "mock/echo"], expiresAt: at(48) }],
  budgetsRemainingNanoUsd: [10 * USD],
};
const request: GrantRequest = {
  models: ["mock/echo"],
  maxSpendNanoUsd: 5 * USD,
  expiresAt: at(24),
  maxDepth: null,
  rpm: null,
};
/** A → B, which B may pass on once. */
const parentAB: ParentGrantFacts = {
  id: "g1",
  orgId: "org",
  toAgentId: "b",
  chain: ["a", "b"],
  depth: 1,
  maxDepth: 1,
  models: ["openai/gpt-4o-mini", "mock/echo"],
  remainingNanoUsd: 2 * USD,
  rpm: 60,
  expiresAt: at(12),
  revoked: false,
};

type Case = [
  string,
  {
    from?: AgentFacts;
    to?: AgentFacts;
    parent?: ParentGrantFacts | null;
    grantor?: GrantorAuthority;
    request?: Partial<GrantRequest>;
  },
  GrantRefusal["code"],
  GrantRefusal["rule"],
];

const refusals: Case[] = [
  ["a spend cap of 0", { request: { maxSpendNanoUsd: 0 } }, "BAD_USER_INPUT", "invalid_amount"],
  [
    "an expiry in the past",
    { request: { expiresAt: at(-1) } },
    "BAD_USER_INPUT",
    "already_expired",
  ],
  ["a negative depth", { request: { maxDepth: -1 } }, "BAD_USER_INPUT", "invalid_depth"],
  ["an empty model list", { request: { models: [] } }, "BAD_USER_INPUT", "invalid_models"],
  ["a grant to oneself", { to: A }, "BAD_USER_INPUT", "self_delegation"],
  [
    "a grantee in another org",
    { to: { id: "x", orgId: "other", disabled: false } },
    "FORBIDDEN",
    "cross_org",
  ],
  ["a disabled grantee", { to: { ...B, disabled: true } }, "FORBIDDEN", "agent_disabled"],
  [
    "a grantor with no live key",
    { grantor: { keys: [], budgetsRemainingNanoUsd: [] } },
    "FORBIDDEN",
    "no_authority",
  ],
  [
    "a model the grantor's keys do not allow",
    { request: { models: ["anthropic/claude"] } },
    "FORBIDDEN",
    "models_exceed",
  ],
  [
    "every model, from a grantor limited to some",
    { request: { models: ["*"] } },
    "FORBIDDEN",
    "models_exceed",
  ],
  [
    "more than the grantor's budget has left",
    { request: { maxSpendNanoUsd: 11 * USD } },
    "FORBIDDEN",
    "spend_exceeds",
  ],
  [
    "an expiry past the grantor's key",
    { request: { expiresAt: at(49) } },
    "FORBIDDEN",
    "expiry_exceeds",
  ],
  // Re-delegation B → C under A → B.
  [
    "re-delegating a grant one does not hold",
    { from: A, to: C, parent: parentAB },
    "FORBIDDEN",
    "not_parent_grantee",
  ],
  [
    "re-delegating a revoked grant",
    { from: B, to: C, parent: { ...parentAB, revoked: true } },
    "FORBIDDEN",
    "parent_revoked",
  ],
  [
    "re-delegating an expired grant",
    {
      from: B,
      to: C,
      parent: { ...parentAB, expiresAt: at(-1) },
      request: { expiresAt: at(0.5) },
    },
    "FORBIDDEN",
    "parent_expired",
  ],
  [
    "re-delegating a grant of depth 0",
    { from: B, to: C, parent: { ...parentAB, maxDepth: 0 }, request: { expiresAt: at(1) } },
    "FORBIDDEN",
    "depth_exhausted",
  ],
  [
    "a depth that does not decrease",
    { from: B, to: C, parent: parentAB, request: { maxDepth: 1, expiresAt: at(1) } },
    "FORBIDDEN",
    "depth_not_decreasing",
  ],
  [
    "a cycle back to the root",
    { from: B, to: A, parent: parentAB, request: { expiresAt: at(1) } },
    "BAD_USER_INPUT",
    "cycle",
  ],
  [
    "a model the parent grant does not allow",
    { from: B, to: C, parent: parentAB, request: { models: ["openai/gpt-4o"], expiresAt: at(1) } },
    "FORBIDDEN",
    "models_exceed",
  ],
  [
    "more than the parent grant has left",
    {
      from: B,
      to: C,
      parent: parentAB,
      request: { maxSpendNanoUsd: 3 * USD, expiresAt: at(1) },
    },
    "FORBIDDEN",
    "spend_exceeds",
  ],
  [
    "an expiry past the parent grant's",
    { from: B, to: C, parent: parentAB, request: { expiresAt: at(13), maxSpendNanoUsd: USD } },
    "FORBIDDEN",
    "expiry_exceeds",
  ],
  [
    "a higher rpm than the parent grant's",
    {
      from: B,
      to: C,
      parent: parentAB,
      request: { rpm: 61, expiresAt: at(1), maxSpendNanoUsd: USD },
    },
    "FORBIDDEN",
    "rpm_exceeds",
  ],
];

describe("a new delegation grant", () => {
  it.each(refusals)("is refused for %s", (_name, change, code, rule) => {
    const decision = decideGrant({
      from: change.from ?? A,
      to: change.to ?? B,
      parent: change.parent ?? null,
      grantor: change.grantor ?? grantor,
      request: { ...request, ...change.request },
      now: NOW,
    });
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.refusal).toMatchObject({ code, rule });
    expect(decision.refusal.message.length).toBeGreaterThan(10);
  });

  it("from the root starts the chain at depth 1 and may not be re-delegated unless asked", () => {
    const decision = decideGrant({ from: A, to: B, parent: null, grantor, request, now: NOW });
    expect(decision).toEqual({
      ok: true,
      grant: {
        chain: ["a", "b"],
        depth: 1,
        maxDepth: 0,
        models: ["mock/echo"],
        maxSpendNanoUsd: 5 * USD,
        expiresAt: at(24),
        rpm: null,
      },
    });
  });

  it("re-delegated narrows: chain grows, depth drops, models and rpm come from the parent", () => {
    const decision = decideGrant({
      from: B,
      to: C,
      parent: parentAB,
      grantor: { keys: [{ models: null, expiresAt: null }], budgetsRemainingNanoUsd: [] },
      request: { ...request, models: null, maxSpendNanoUsd: USD, expiresAt: at(6) },
      now: NOW,
    });
    expect(decision.ok && decision.grant).toEqual({
      chain: ["a", "b", "c"],
      depth: 2,
      maxDepth: 0,
      models: ["openai/gpt-4o-mini", "mock/echo"],
      maxSpendNanoUsd: USD,
      expiresAt: at(6),
      rpm: 60,
    });
  });

  it("with no model list writes out the grantor's, so a later key change never widens it", () => {
    const decision = decideGrant({
      from: A,
      to: B,
      parent: null,
      grantor,
      request: { ...request, models: null },
      now: NOW,
    });
    expect(decision.ok && decision.grant.models).toEqual(["openai/*", "mock/echo"]);
  });
});

describe("model lists as sets", () => {
  it.each([
    [["openai/gpt-4o"], ["openai/*"], true],
    [["openai/*"], ["openai/gpt-4o"], false],
    [["*"], ["openai/*"], false],
    [["mock/echo"], null, true],
    [null, ["mock/echo"], false],
  ] as const)("%j ⊆ %j is %s", (requested, allowed, expected) => {
    expect(patternsSubset(requested as string[] | null, allowed as string[] | null)).toBe(expected);
  });

  it("intersects wildcards with names", () => {
    expect(intersectPatterns(["openai/*", "mock/echo"], ["openai/gpt-4o", "anthropic/*"])).toEqual([
      "openai/gpt-4o",
    ]);
    expect(intersectPatterns(null, ["mock/echo"])).toEqual(["mock/echo"]);
  });
});
