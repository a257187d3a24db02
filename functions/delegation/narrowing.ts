/**
 * The rules a new delegation grant must meet (DESIGN.md, "Delegation grants"): authority only
 * narrows down a chain. Pure: the caller loads the grantor's keys, budgets and parent grant; this
 * decides, and names the rule a refusal broke. BAD_USER_INPUT = the request is malformed in
 * itself; FORBIDDEN = it asks for more than the grantor holds.
 */
import { intersectPatterns, patternsSubset, unionPatterns } from "./model-patterns.ts";

/** How deep a chain may go at most, whatever a grant asks: A → B → … (10 hops). */
export const MAX_CHAIN_DEPTH = 10;

export interface AgentFacts {
  id: string;
  orgId: string;
  disabled: boolean;
}

/** What the grantor holds: its live keys and what remains of its own budgets. */
export interface GrantorAuthority {
  keys: Array<{ models: string[] | null; expiresAt: Date | null }>;
  /** nano-USD left in each of the grantor's AGENT budgets (Postgres' view, calls in flight aside). */
  budgetsRemainingNanoUsd: number[];
}

export interface ParentGrantFacts {
  id: string;
  orgId: string;
  toAgentId: string;
  /** Agent ids root grantor → the parent's grantee. */
  chain: string[];
  depth: number;
  maxDepth: number;
  models: string[] | null;
  remainingNanoUsd: number;
  rpm: number | null;
  expiresAt: Date;
  revoked: boolean;
}

export interface GrantRequest {
  models: string[] | null;
  maxSpendNanoUsd: number;
  expiresAt: Date;
  maxDepth: number | null;
  rpm: number | null;
}

/** The grant to store: every field already narrowed. */
export interface NarrowedGrant {
  chain: string[];
  depth: number;
  maxDepth: number;
  models: string[] | null;
  maxSpendNanoUsd: number;
  expiresAt: Date;
  rpm: number | null;
}

export interface GrantRefusal {
  code: "BAD_USER_INPUT" | "FORBIDDEN";
  /** Which rule: stable, for tests and logs. */
  rule:
    | "invalid_amount"
    | "already_expired"
    | "invalid_depth"
    | "invalid_models"
    | "self_delegation"
    | "cross_org"
    | "agent_disabled"
    | "not_parent_grantee"
    | "parent_revoked"
    | "parent_expired"
    | "depth_exhausted"
    | "depth_not_decreasing"
    | "cycle"
    | "no_authority"
    | "models_exceed"
    | "spend_exceeds"
    | "expiry_exceeds"
    | "rpm_exceeds";
  message: string;
}

export type GrantDecision =
  | { ok: true; grant: NarrowedGrant }
  | { ok: false; refusal: GrantRefusal };

export function decideGrant(input: {
  from: AgentFacts;
  to: AgentFacts;
  parent: ParentGrantFacts | null;
  grantor: GrantorAuthority;
  request: GrantRequest;
  now: Date;
}): GrantDecision {
  const { from, to, parent, grantor, request, now } = input;
  const refuse = (code: GrantRefusal["code"], rule: GrantRefusal["rule"], message: string) =>
    ({ ok: false, refusal: { code, rule, message } }) as const;

  if (!Number.isSafeInteger(request.maxSpendNanoUsd) || request.maxSpendNanoUsd <= 0) {
    return refuse("BAD_USER_INPUT", "invalid_amount", "maxSpendUsd must be more than 0");
  }
  if (request.expiresAt.getTime() <= now.getTime()) {
    return refuse("BAD_USER_INPUT", "already_expired", "expiresAt must be in the future");
  }
  if (request.maxDepth !== null && (request.maxDepth < 0 || request.maxDepth > MAX_CHAIN_DEPTH)) {
    return refuse("BAD_USER_INPUT", "invalid_depth", `maxDepth must be 0 to ${MAX_CHAIN_DEPTH}`);
  }
  if (request.models !== null && request.models.length === 0) {
    return refuse("BAD_USER_INPUT", "invalid_models", "models: name at least one, or omit it");
  }
  if (from.id === to.id) {
    return refuse("BAD_USER_INPUT", "self_delegation", "an agent cannot delegate to itself");
  }
  if (from.orgId !== to.orgId || (parent && parent.orgId !== from.orgId)) {
    return refuse("FORBIDDEN", "cross_org", "grantor and grantee must be in the same org");
  }
  if (from.disabled || to.disabled) {
    return refuse("FORBIDDEN", "agent_disabled", "a disabled agent cannot be party to a grant");
  }

  if (parent) {
    if (parent.toAgentId !== from.id) {
      return refuse(
        "FORBIDDEN",
        "not_parent_grantee",
        "only the grantee of the parent grant may re-delegate it (fromAgentId must be its grantee)",
      );
    }
    if (parent.revoked) return refuse("FORBIDDEN", "parent_revoked", "the parent grant is revoked");
    if (parent.expiresAt.getTime() <= now.getTime()) {
      return refuse("FORBIDDEN", "parent_expired", "the parent grant has expired");
    }
    if (parent.maxDepth <= 0) {
      return refuse("FORBIDDEN", "depth_exhausted", "the parent grant may not be re-delegated");
    }
    if (request.maxDepth !== null && request.maxDepth >= parent.maxDepth) {
      return refuse(
        "FORBIDDEN",
        "depth_not_decreasing",
        `maxDepth must be below the parent grant's (${parent.maxDepth})`,
      );
    }
  }
  const chainSoFar = parent ? parent.chain : [from.id];
  if (chainSoFar.includes(to.id)) {
    return refuse("BAD_USER_INPUT", "cycle", "the grantee is already in this chain: no cycles");
  }

  if (grantor.keys.length === 0) {
    return refuse(
      "FORBIDDEN",
      "no_authority",
      "the grantor has no live virtual key, so it has no authority to delegate",
    );
  }
  const ceiling = intersectPatterns(
    unionPatterns(grantor.keys.map((key) => key.models)),
    parent ? parent.models : null,
  );
  if (request.models !== null && !patternsSubset(request.models, ceiling)) {
    return refuse(
      "FORBIDDEN",
      "models_exceed",
      `models must be within what the grantor may use${parent ? " and the parent grant allows" : ""}: ${ceiling ? ceiling.join(", ") : "any"}`,
    );
  }

  const spendCeiling = Math.min(
    parent ? parent.remainingNanoUsd : Number.POSITIVE_INFINITY,
    ...grantor.budgetsRemainingNanoUsd,
  );
  if (request.maxSpendNanoUsd > spendCeiling) {
    return refuse(
      "FORBIDDEN",
      "spend_exceeds",
      `maxSpendUsd exceeds what remains to the grantor: ${(Math.max(0, spendCeiling) / 1e9).toFixed(9).replace(/\.?0+$/, "")} USD`,
    );
  }

  const keyExpiries = grantor.keys.map((key) => key.expiresAt?.getTime() ?? null);
  const latestKeyExpiry = keyExpiries.includes(null)
    ? Number.POSITIVE_INFINITY
    : Math.max(...(keyExpiries as number[]));
  const expiryCeiling = Math.min(latestKeyExpiry, parent?.expiresAt.getTime() ?? Infinity);
  if (request.expiresAt.getTime() > expiryCeiling) {
    return refuse(
      "FORBIDDEN",
      "expiry_exceeds",
      `expiresAt must be no later than ${new Date(expiryCeiling).toISOString()} (the ${parent && parent.expiresAt.getTime() === expiryCeiling ? "parent grant's" : "grantor's key's"} expiry)`,
    );
  }
  if (parent?.rpm && request.rpm !== null && request.rpm > parent.rpm) {
    return refuse(
      "FORBIDDEN",
      "rpm_exceeds",
      `rpm must be at most the parent grant's ${parent.rpm}`,
    );
  }

  return {
    ok: true,
    grant: {
      chain: [...chainSoFar, to.id],
      depth: parent ? parent.depth + 1 : 1,
      maxDepth: request.maxDepth ?? (parent ? parent.maxDepth - 1 : 0),
      // Omitted models become the ceiling written out, so a later change to the grantor's keys
      // never widens what was lent.
      models: request.models ?? ceiling,
      maxSpendNanoUsd: request.maxSpendNanoUsd,
      expiresAt: request.expiresAt,
      rpm: request.rpm ?? parent?.rpm ?? null,
    },
  };
}
