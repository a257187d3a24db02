/** A plausible usage record for tests of the recorder and its outbox; override what matters. */
import type { UsageRecord } from "../../functions/accounting/usage-record.ts";

export function usageRecordFixture(
  requestId: string,
  overrides: Partial<UsageRecord> = {},
): UsageRecord {
  return {
    requestId,
    orgId: crypto.randomUUID(),
    teamId: null,
    keyId: null,
    agentId: null,
    grantId: null,
    delegationChain: null,
    endpoint: "/v1/chat/completions",
    provider: "mock",
    model: "echo",
    routeAlias: null,
    status: 200,
    stream: false,
    cacheHit: false,
    attempts: 1,
    inputTokens: 3,
    outputTokens: 5,
    cachedInputTokens: 0,
    usageEstimated: false,
    costNanoUsd: 1_234,
    reservedNanoUsd: 0,
    refusedBy: null,
    latencyMs: 7,
    traceId: null,
    metadata: {},
    createdAt: new Date(),
    ...overrides,
  };
}
