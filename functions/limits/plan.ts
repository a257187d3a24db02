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
}

/** The scopes a principal spends under, most specific first. */
export function scopesOf(principal: Principal): Array<{ scope: LimitScope; id: string }> {
  const scopes: Array<{ scope: LimitScope; id: string }> = [{ scope: "KEY", id: principal.keyId }];
  if (principal.agentId) scopes.push({ scope: "AGENT", id: principal.agentId });
  if (principal.teamId) scopes.push({ scope: "TEAM", id: principal.teamId });
  scopes.push({ scope: "ORG", id: principal.orgId });
  return scopes;
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
  return {
    orgId: principal.orgId,
    rates,
    budgets: limits.budgets.filter(inChain),
    tokens: call.tokens,
    holdNanoUsd: call.holdNanoUsd,
  };
}

/** Where a rule's counters live: each rule counts on its own, so rules never share a window. */
export function rateCounterKey(rule: RateLimitRule): string {
  return rule.id === null ? `rl:key:${rule.scopeId}` : `rl:rule:${rule.id}`;
}
