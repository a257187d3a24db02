/**
 * What the limits decided for one call, in the terms clients see: the tightest request and token
 * headroom (OpenAI's x-ratelimit-* headers), the tightest budget
 * (x-switchyard-budget-remaining-usd), and which limit refused, if one did.
 */
import type { ReserveOutcome } from "./limits-store.ts";
import type { BudgetRule, RateLimitRule } from "./plan.ts";

export interface Headroom {
  limit: number;
  remaining: number;
  resetMs: number;
}

export interface LimitsReport {
  requests: Headroom | null;
  tokens: Headroom | null;
  budgetLeftNanoUsd: number | null;
  refusedBy:
    | { kind: "rate"; rule: RateLimitRule; dimension: "requests" | "tokens" | "concurrency" }
    | { kind: "budget"; rule: BudgetRule }
    | null;
}

export function reportOf(outcome: ReserveOutcome): LimitsReport {
  switch (outcome.kind) {
    case "reserved": {
      let requests: Headroom | null = null;
      let tokens: Headroom | null = null;
      for (const rate of outcome.rates) {
        if (rate.rule.rpm && (requests === null || rate.requestsLeft < requests.remaining)) {
          requests = { limit: rate.rule.rpm, remaining: rate.requestsLeft, resetMs: rate.resetMs };
        }
        if (rate.rule.tpm && (tokens === null || rate.tokensLeft < tokens.remaining)) {
          tokens = { limit: rate.rule.tpm, remaining: rate.tokensLeft, resetMs: rate.resetMs };
        }
      }
      const lefts = outcome.budgets.map((budget) => budget.leftNanoUsd);
      return {
        requests,
        tokens,
        budgetLeftNanoUsd: lefts.length > 0 ? Math.min(...lefts) : null,
        refusedBy: null,
      };
    }
    case "rate_limited": {
      const { rule, dimension, retryAfterMs } = outcome;
      const exhausted = (limit: number | null) =>
        limit ? { limit, remaining: 0, resetMs: retryAfterMs } : null;
      return {
        requests: dimension === "requests" ? exhausted(rule.rpm) : null,
        tokens: dimension === "tokens" ? exhausted(rule.tpm) : null,
        budgetLeftNanoUsd: null,
        refusedBy: { kind: "rate", rule, dimension },
      };
    }
    case "budget_exceeded":
      return {
        requests: null,
        tokens: null,
        budgetLeftNanoUsd: outcome.leftNanoUsd,
        refusedBy: { kind: "budget", rule: outcome.rule },
      };
    default:
      return { requests: null, tokens: null, budgetLeftNanoUsd: null, refusedBy: null };
  }
}
