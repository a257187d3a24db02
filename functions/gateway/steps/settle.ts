/**
 * Stage 10: account for the call, once, from what the context holds. The usage record is built
 * here (pure) and written off the response path by the background runner; the recorder parks it
 * in Redis if Postgres is down. Budget settlement (reservation → actual cost) joins here in the
 * limits issue.
 */
import type { UsageRecord } from "../../accounting/usage-record.ts";
import type { Principal } from "../../auth/principal.ts";
import type { Usage } from "../../providers/types.ts";
import type { Deployment } from "../../routing/model-directory.ts";
import type { CallContext, CallEnd } from "../call-context.ts";
import { costNanoUsd, priceFor } from "../pricing.ts";

/** Client closed the connection before the answer was complete (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

export function settleCall(call: CallContext): void {
  if (call.settled) return;
  call.settled = true;
  if (!call.metered || call.principal === null) return;
  const record = usageRecordOf(call, call.principal, call.services.clock());
  call.services.background.run("usage record", () => call.services.usage.record(record));
}

export function costOf(deployment: Deployment, usage: Usage): number {
  return costNanoUsd(priceFor(deployment.target.kind, deployment.target.model), usage);
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
    grantId: null,
    delegationChain: null,
    endpoint: call.endpoint,
    provider: deployment?.providerName ?? "",
    model: deployment?.target.model ?? call.requestedModel ?? "",
    routeAlias: null,
    status: statusOf(call.end),
    stream: call.stream,
    cacheHit: false,
    attempts: call.attempts.length,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.cachedInputTokens ?? 0,
    usageEstimated: usage?.estimated ?? false,
    costNanoUsd: deployment && usage ? costOf(deployment, usage) : 0,
    latencyMs: Math.max(0, Math.round(finishedAt - call.startedAt)),
    traceId: call.annotations.traceId,
    metadata: call.annotations.metadata,
    createdAt: new Date(call.startedAt),
  };
}
