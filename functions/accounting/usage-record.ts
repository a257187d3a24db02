/** One accounted call, as written to `usage_records`. Money is integer nano-USD (1e-9 USD). */
export interface UsageRecord {
  requestId: string;
  orgId: string;
  teamId: string | null;
  keyId: string | null;
  agentId: string | null;
  grantId: string | null;
  delegationChain: string[] | null;
  endpoint: string;
  provider: string;
  model: string;
  routeAlias: string | null;
  status: number;
  stream: boolean;
  cacheHit: boolean;
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  usageEstimated: boolean;
  costNanoUsd: number;
  /** False: no price was known and the call cost 0 (absent in records parked before it existed). */
  priceKnown?: boolean;
  latencyMs: number;
  traceId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
}
