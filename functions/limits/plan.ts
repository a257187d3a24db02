/**
 * What one call must fit, decided before any I/O: the rate checks (per scope, optionally per
 * model) and the budgets of every scope above the caller, with the amount each budget must hold.
 * Pure: built from the principal, the org's limits (cached) and the call's estimate.
 */
import type { BudgetScope, BudgetWindow } from "../../db/schema/budgets.ts";
import type { Principal } from "../auth/principal.ts";
import type { PriceBook } from "../pricing/price-book.ts";

export type LimitScope = BudgetScope;

export interface RateLimitRule {
  id: string | null;
  scope: LimitScope;
  scopeId: string;
  /** Applies only to calls naming this model; null = every model. */
  model: string | null;
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
}

export interface BudgetRule {
  id: string;
  orgId: string;
  scope: LimitScope;
  scopeId: string;
  limitNanoUsd: number;
  window: BudgetWindow;
  alertThresholds: number[];
}

export interface OrgLimits {
  /** The Redis version token these rules were loaded under (see limits-config.ts). */
  version: string;
  rateLimits: RateLimitRule[];
  budgets: BudgetRule[];
  /**
   * The org's prices (its setModelPrice overrides over the list prices): loaded with its limits
   * and refreshed under the same version token, so a price change reaches every instance's next
   * call, including the holds priced with it.
   */
  prices: PriceBook;
}

export interface LimitPlan {
  orgId: string;
  rates: RateLimitRule[];
  budgets: BudgetRule[];
  /** Tokens the call is expected to use (prompt estimate + output cap): counted against TPM. */
  tokens: number;
  /** Worst-case cost in nano-USD: held against every budget until the call settles. */
  holdNanoUsd: number;
  /** Delegation grants the call runs under (root → leaf): the reserve refuses if one is revoked. */
  grantIds?: string[];
}

/**
 * The scopes a principal spends under, most specific first. Under a delegation grant the spend is
 * also carried up the chain: every grant (leaf → root), the root agent who lent the authority,
 * and its team. Intermediate agents are not charged: what they lent is bounded by their grants.
 */
export function scopesOf(principal: Principal): Array<{ scope: LimitScope; id: string }> {
  const scopes: Array<{ scope: LimitScope; id: string }> = [{ scope: "KEY", id: principal.keyId }];
  if (principal.agentId) scopes.push({ scope: "AGENT", id: principal.agentId });
  if (principal.teamId) scopes.push({ scope: "TEAM", id: principal.teamId });
  const chain = principal.delegation;
  if (chain) {
    for (const grantId of [...chain.grantIds].reverse())
      scopes.push({ scope: "GRANT", id: grantId });
    scopes.push({ scope: "AGENT", id: chain.rootAgentId });
    if (chain.rootTeamId) scopes.push({ scope: "TEAM", id: chain.rootTeamId });
  }
  scopes.push({ scope: "ORG", id: principal.orgId });
  return scopes.filter(
    (scope, i) => scopes.findIndex((s) => s.scope === scope.scope && s.id === scope.id) === i,
  );
}

/** Redis key (before the namespace) that marks a grant revoked; see delegation/grant-resolver.ts. */
export function grantRevokedKey(grantId: string): string {
  return `grant:revoked:${grantId}`;
}

export function planLimits(
  principal: Principal,
  limits: OrgLimits,
  call: { model: string; tokens: number; holdNanoUsd: number },
): LimitPlan {
  const scopes = scopesOf(principal);
  const inChain = (rule: { scope: LimitScope; scopeId: string }) =>
    scopes.some((scope) => scope.scope === rule.scope && scope.id === rule.scopeId);

  const rates: RateLimitRule[] = [];
  // The key's own limits live on the key (createVirtualKey/updateVirtualKey).
  if (principal.rpm || principal.tpm || principal.maxConcurrency) {
    rates.push({
      id: null,
      scope: "KEY",
      scopeId: principal.keyId,
      model: null,
      rpm: principal.rpm,
      tpm: principal.tpm,
      maxConcurrency: principal.maxConcurrency,
    });
  }
  for (const rule of limits.rateLimits) {
    if (inChain(rule) && (rule.model === null || rule.model === call.model)) rates.push(rule);
  }
  const budgets = limits.budgets.filter(inChain);
  // A grant's own RPM and cap live on the grant: its cap is a TOTAL budget on scope GRANT,
  // reserved in the same script as every other budget, so concurrent calls cannot overspend it.
  for (const grant of principal.delegation?.grants ?? []) {
    if (grant.rpm) {
      rates.push({
        id: null,
        scope: "GRANT",
        scopeId: grant.id,
        model: null,
        rpm: grant.rpm,
        tpm: null,
        maxConcurrency: null,
      });
    }
    budgets.push({
      id: grant.id,
      orgId: principal.orgId,
      scope: "GRANT",
      scopeId: grant.id,
      limitNanoUsd: grant.maxSpendNanoUsd,
      window: "TOTAL",
      alertThresholds: [],
    });
  }
  return {
    orgId: principal.orgId,
    rates,
    budgets,
    tokens: call.tokens,
    holdNanoUsd: call.holdNanoUsd,
    grantIds: principal.delegation?.grantIds ?? [],
  };
}

/**
 * Where a rule's counters live: each rule counts on its own, so rules never share a window. Rules
 * without an id are the limits a key or a grant carries itself (`rl:key:<id>`, `rl:grant:<id>`).
 */
export function rateCounterKey(rule: RateLimitRule): string {
  return rule.id === null ? `rl:${rule.scope.toLowerCase()}:${rule.scopeId}` : `rl:rule:${rule.id}`;
}
