/**
 * Stage 4: every rate limit and budget above the caller, checked and reserved in one Redis round
 * trip (functions/limits). The same round trip checks that the org's rules and keys are the ones
 * this instance has cached: when another instance revoked a key or changed a limit, the stage
 * reloads, authenticates again and decides under the new rules.
 *
 * Fail closed: if Redis cannot be reached the call is refused with a retryable 503, since a
 * budget that cannot be checked cannot be kept.
 */
import { type CallEstimate, holdFor } from "../../limits/estimate.ts";
import { reportOf } from "../../limits/limits-report.ts";
import type { ReserveOutcome } from "../../limits/limits-store.ts";
import { type LimitPlan, planLimits } from "../../limits/plan.ts";
import { spendInWindow } from "../../limits/window-from-usage.ts";
import { authenticatedPrincipal, type CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";
import { nanoUsdToUsd, refuseUnpriced } from "../pricing.ts";
import { authenticate } from "./authenticate.ts";
import { authorizeModel } from "./authorize.ts";
import { resolveDeployments } from "./route.ts";

/** Reloads after a change, then seeds, then decides: never more rounds than that. */
const MAX_ROUNDS = 4;

export async function reserveLimits(call: CallContext, initial: CallEstimate): Promise<void> {
  let estimate = initial;
  const { limits, clock } = call.services;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const principal = authenticatedPrincipal(call);
    const rules = await limits.config.forOrg(principal.orgId);
    const hold = holdFor(estimate, rules.prices, call.startedAt);
    const plan = planLimits(principal, rules, {
      model: call.requestedModel ?? "",
      tokens: estimate.tokens,
      holdNanoUsd: hold.nanoUsd,
    });
    const now = clock();
    const outcome = await reserveOrUnavailable(call, plan, rules.version, now);
    switch (outcome.kind) {
      case "reserved":
        call.reservation = { requestId: call.requestId, plan, reservedAt: now };
        call.limits = reportOf(outcome);
        // The prices came with the rules, so only now are they known to be current; a refusal
        // here is settled like any failed call, which releases what was just reserved.
        call.prices = rules.prices;
        refuseUnpriced(call, hold);
        return;
      case "stale": {
        limits.config.forget(principal.orgId);
        call.services.virtualKeys.forgetOrg(principal.orgId);
        // The key may have changed too (updateVirtualKey): what stage 3 allowed under the
        // cached key is decided again under the fresh one.
        const fresh = await authenticate(call);
        if (call.requestedModel) authorizeModel(fresh, call.requestedModel);
        // A model route may have changed as well: the call goes where the fresh one says.
        call.services.models.forget(principal.orgId);
        if (call.route && call.requestedModel) {
          const { deployments } = await resolveDeployments(call, call.requestedModel);
          estimate = { ...estimate, deployments };
        }
        break;
      }
      case "grant_revoked":
        call.services.grants.forgetAll();
        throw new GatewayError("grant_revoked", "This delegation grant has been revoked.");
      case "unseeded":
        for (const rule of outcome.budgets) {
          const buckets = await spendInWindow(call.services.sql.db, rule, now);
          await limits.store.seed(rule, buckets, now);
        }
        break;
      case "rate_limited":
        call.limits = reportOf(outcome);
        throw new GatewayError("rate_limited", rateMessage(outcome), {
          retryAfterSeconds: outcome.retryAfterMs / 1000,
        });
      case "budget_exceeded":
        call.limits = reportOf(outcome);
        throw new GatewayError("budget_exceeded", budgetMessage(outcome));
    }
  }
  throw new GatewayError("service_unavailable", "The limits changed while deciding; retry.");
}

async function reserveOrUnavailable(
  call: CallContext,
  plan: LimitPlan,
  version: string,
  now: number,
): Promise<ReserveOutcome> {
  try {
    return await call.services.limits.store.reserve(call.requestId, plan, version, now);
  } catch (error) {
    call.services.log.warn("limits unavailable", { requestId: call.requestId, error });
    throw new GatewayError(
      "service_unavailable",
      "Rate limits and budgets cannot be checked right now; retry shortly.",
      { retryAfterSeconds: 1 },
    );
  }
}

function rateMessage(outcome: Extract<ReserveOutcome, { kind: "rate_limited" }>): string {
  const { rule, dimension } = outcome;
  const scope = `${rule.scope.toLowerCase()}${rule.model ? ` for model '${rule.model}'` : ""}`;
  switch (dimension) {
    case "requests":
      return `Rate limit reached: ${rule.rpm} requests per minute on this ${scope}.`;
    case "tokens":
      return `Rate limit reached: ${rule.tpm} tokens per minute on this ${scope}.`;
    case "concurrency":
      return `Too many concurrent requests: at most ${rule.maxConcurrency} on this ${scope}.`;
  }
}

function budgetMessage(outcome: Extract<ReserveOutcome, { kind: "budget_exceeded" }>): string {
  const { rule, leftNanoUsd } = outcome;
  const window = rule.window === "TOTAL" ? "in total" : `per rolling ${rule.window}`;
  return (
    `Budget exceeded: the ${rule.scope.toLowerCase()} budget of ` +
    `${nanoUsdToUsd(rule.limitNanoUsd)} USD ${window} has ${nanoUsdToUsd(leftNanoUsd)} USD left, ` +
    "less than this request may cost. Lower max_tokens or raise the budget."
  );
}
