/**
 * Stage 10: account for the call, once, from what the context holds. The usage record is built
 * here (pure) and written off the response path by the background runner; the recorder parks it
 * in Redis if Postgres is down. Budget settlement (reservation → actual cost) joins here in the
 * limits issue.
 */
import type { AttemptLogEntry } from "../../../db/schema/usage-records.ts";
import type { UsageRecord } from "../../accounting/usage-record.ts";
import type { Principal } from "../../auth/principal.ts";
import { auditGrantDenial } from "../../delegation/grant-audit.ts";
import type { Reservation } from "../../limits/limits-store.ts";
import type { Usage } from "../../providers/types.ts";
import type { Deployment } from "../../routing/model-directory.ts";
import type { CallContext, CallEnd } from "../call-context.ts";
import { costOfCall, priceOfCall } from "../pricing.ts";
import { guardrailsOfUsage } from "./guardrails.ts";

/** Client closed the connection before the answer was complete (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

export function settleCall(call: CallContext): void {
  if (call.settled) return;
  call.settled = true;
  call.services.observer.callSettled(call);
  if (call.reservation) settleLimits(call, call.reservation);
  if (!call.metered || call.principal === null) return;
  const chain = call.principal.delegation;
  if (chain && call.end?.kind === "failed") {
    const { principal } = call;
    auditGrantDenial(
      call.services,
      { ...principal, chain, requestId: call.requestId },
      { code: call.end.error.code, status: call.end.error.status, model: call.requestedModel },
    );
  }
  const record = usageRecordOf(call, call.principal, call.services.clock());
  call.services.background.run("usage record", () => call.services.usage.record(record));
}

/**
 * The reservation gives way to what the call really used: its slot is freed, its hold becomes
 * its cost, TPM is corrected. Off the response path, retried a few times: a settle that never
 * lands leaves the hold to lapse (the budget errs on the safe side) and the record in Postgres,
 * from which the window is rebuilt when Redis loses it. Budget thresholds the spend crossed raise
 * their alerts here (functions/alerts/), once per crossing.
 */
function settleLimits(call: CallContext, reservation: Reservation): void {
  const { services } = call;
  // A cache hit has neither: it settles at 0 tokens and 0 cost (its request still counted).
  const usage = call.usage();
  const actual = {
    tokens: usage ? usage.inputTokens + usage.outputTokens : 0,
    costNanoUsd: call.served && usage ? costOf(call, call.served, usage) : 0,
  };
  services.background.run("limits settle", async () => {
    const crossings = await withRetries(() =>
      services.limits.store.settle(reservation, actual, services.clock()),
    );
    if (crossings.length > 0) {
      await services.alerts.budgetThresholdsCrossed(crossings, call.requestId);
    }
  });
}

async function withRetries<T>(task: () => Promise<T>): Promise<T> {
  const delaysMs = [50, 250, 1_000];
  for (const delay of delaysMs) {
    try {
      return await task();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return task();
}

/** What the call cost on the deployment that served it, at the org's prices (0 if unknown). */
export function costOf(call: CallContext, deployment: Deployment, usage: Usage): number {
  return costOfCall(call, deployment, usage);
}

function refusalOf(call: CallContext): string | null {
  const refusal = call.limits?.refusedBy;
  if (!refusal) return null;
  if (refusal.kind === "budget") return `budget:${refusal.rule.id}`;
  return `rate:${refusal.rule.scope}:${refusal.rule.scopeId}:${refusal.dimension}`;
}

export function statusOf(end: CallEnd | null): number {
  if (end === null) return 0;
  switch (end.kind) {
    case "answered":
      return end.status;
    case "failed":
      return end.error.status;
    case "cancelled":
      return CLIENT_CLOSED_REQUEST;
  }
}

export function usageRecordOf(
  call: CallContext,
  principal: Principal,
  finishedAt: number,
): UsageRecord {
  const deployment = call.served;
  const usage = call.usage();
  return {
    requestId: call.requestId,
    orgId: principal.orgId,
    teamId: principal.teamId,
    keyId: principal.keyId,
    agentId: principal.agentId,
    grantId: principal.delegation?.grantIds.at(-1) ?? null,
    delegationChain: principal.delegation?.agentIds ?? null,
    grantChain: principal.delegation?.grantIds ?? null,
    endpoint: call.endpoint,
    // A cache hit names the deployment whose answer was replayed; it used no tokens and cost 0.
    provider: deployment?.providerName ?? call.cache.hit?.provider ?? "",
    model: deployment?.target.model ?? call.cache.hit?.model ?? call.requestedModel ?? "",
    routeAlias: call.route?.route?.alias ?? null,
    status: statusOf(call.end),
    stream: call.stream,
    cacheHit: call.cache.hit !== null,
    attempts: call.attempts.length,
    attemptLog: attemptLogOf(call),
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.cachedInputTokens ?? 0,
    usageEstimated: usage?.estimated ?? false,
    reservedNanoUsd: call.reservation?.plan.budgets.length ? call.reservation.plan.holdNanoUsd : 0,
    refusedBy: refusalOf(call),
    costNanoUsd: deployment && usage ? costOf(call, deployment, usage) : 0,
    // Only a call that reached a deployment has a price to know; one refused before is not flagged.
    priceKnown: deployment ? priceOfCall(call, deployment).known : true,
    latencyMs: Math.max(0, Math.round(finishedAt - call.startedAt)),
    traceId: call.annotations.traceId,
    metadata: call.annotations.metadata,
    guardrails: guardrailsOfUsage(call),
    createdAt: new Date(call.startedAt),
  };
}

/** The attempts in order, with each deployment skipped without a call in its place among them. */
function attemptLogOf(call: CallContext): AttemptLogEntry[] {
  const log: AttemptLogEntry[] = [];
  const skipsAt = (made: number) => {
    for (const skip of call.skipped) {
      if (skip.afterAttempts !== made) continue;
      const { label } = skip.deployment;
      log.push({
        deployment: label,
        status: null,
        error: "skipped",
        latencyMs: 0,
        skipped: skip.reason,
      });
    }
  };
  call.attempts.forEach((attempt, index) => {
    skipsAt(index);
    log.push({
      deployment: attempt.deployment.label,
      status: attempt.status,
      error: attempt.error,
      latencyMs: Math.max(0, Math.round(attempt.latencyMs)),
    });
  });
  skipsAt(call.attempts.length);
  return log;
}
