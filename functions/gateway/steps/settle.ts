/**
 * Stage 10: account for the call. The usage record is built here (pure) and written off the
 * response path by the background runner; the recorder parks it in Redis if Postgres is down.
 * Budget settlement (reservation → actual cost) joins here in the limits issue.
 */
import type { UsageRecord } from "../../accounting/usage-record.ts";
import type { Principal } from "../../auth/principal.ts";
import type { Usage } from "../../providers/types.ts";
import type { Deployment } from "../../routing/model-directory.ts";
import { costNanoUsd, priceFor } from "../pricing.ts";

export interface CallFacts {
  requestId: string;
  endpoint: string;
  principal: Principal;
  /** The model name the client asked for. */
  requestedModel: string;
  deployment: Deployment | null;
  status: number;
  stream: boolean;
  attempts: number;
  usage: Usage | null;
  startedAt: number;
  finishedAt: number;
  traceId: string | null;
  metadata: Record<string, unknown>;
}

export function costOf(deployment: Deployment, usage: Usage): number {
  return costNanoUsd(priceFor(deployment.target.kind, deployment.target.model), usage);
}

export function usageRecordOf(facts: CallFacts): UsageRecord {
  const { principal, deployment, usage } = facts;
  return {
    requestId: facts.requestId,
    orgId: principal.orgId,
    teamId: principal.teamId,
    keyId: principal.keyId,
    agentId: principal.agentId,
    grantId: null,
    delegationChain: null,
    endpoint: facts.endpoint,
    provider: deployment?.providerName ?? "",
    model: deployment?.target.model ?? facts.requestedModel,
    routeAlias: null,
    status: facts.status,
    stream: facts.stream,
    cacheHit: false,
    attempts: facts.attempts,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.cachedInputTokens ?? 0,
    usageEstimated: usage?.estimated ?? false,
    costNanoUsd: deployment && usage ? costOf(deployment, usage) : 0,
    latencyMs: Math.max(0, Math.round(facts.finishedAt - facts.startedAt)),
    traceId: facts.traceId,
    metadata: facts.metadata,
    createdAt: new Date(facts.startedAt),
  };
}
