/** One accounted call, as written to `usage_records`. Money is integer nano-USD (1e-9 USD). */
import { z } from "zod";
import type { AttemptLogEntry } from "../../db/schema/usage-records.ts";

export interface UsageRecord {
  requestId: string;
  orgId: string;
  teamId: string | null;
  keyId: string | null;
  agentId: string | null;
  grantId: string | null;
  /** Agent ids root grantor → the calling agent, when the call ran under a delegation grant. */
  delegationChain: string[] | null;
  /** Grant ids root → leaf (the leaf is grantId); absent in records parked before it existed. */
  grantChain?: string[] | null;
  endpoint: string;
  provider: string;
  model: string;
  routeAlias: string | null;
  status: number;
  stream: boolean;
  cacheHit: boolean;
  attempts: number;
  /** Each attempt: deployment, status, error kind, latency (absent in records parked before it). */
  attemptLog?: AttemptLogEntry[];
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  usageEstimated: boolean;
  costNanoUsd: number;
  /** The worst case the limits held against the caller's budgets (0 when none applied). */
  reservedNanoUsd: number;
  /** The limit that refused the call: `budget:<id>` or `rate:<scope>:<id>:<dimension>`. */
  refusedBy: string | null;
  /** False: no price was known and the call cost 0 (absent in records parked before it existed). */
  priceKnown?: boolean;
  latencyMs: number;
  traceId: string | null;
  metadata: Record<string, unknown>;
  /** What the guardrails decided (functions/guardrails); absent in records parked before them. */
  guardrails?: UsageGuardrailDecision[];
  createdAt: Date;
}

export interface UsageGuardrailDecision {
  direction: "INPUT" | "OUTPUT";
  detector: string;
  action: "FLAG" | "REDACT" | "BLOCK";
  matches: number;
}

/**
 * A record read back from the outbox, where it was JSON (dates became ISO strings). Deliberately
 * no stricter than the TypeScript type: what Postgres refuses is found by Postgres, and dead-lettered.
 */
export const parkedUsageRecordSchema = z.object({
  requestId: z.string(),
  orgId: z.string(),
  teamId: z.string().nullable(),
  keyId: z.string().nullable(),
  agentId: z.string().nullable(),
  grantId: z.string().nullable(),
  delegationChain: z.array(z.string()).nullable(),
  grantChain: z.array(z.string()).nullable().default(null),
  endpoint: z.string(),
  provider: z.string(),
  model: z.string(),
  routeAlias: z.string().nullable(),
  status: z.number(),
  stream: z.boolean(),
  cacheHit: z.boolean(),
  attempts: z.number(),
  attemptLog: z
    .array(
      z.object({
        deployment: z.string(),
        status: z.number().nullable(),
        error: z.string().nullable(),
        latencyMs: z.number(),
      }),
    )
    .default([]),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedInputTokens: z.number(),
  usageEstimated: z.boolean(),
  costNanoUsd: z.number(),
  // Defaults: records parked before these fields existed still drain.
  reservedNanoUsd: z.number().default(0),
  refusedBy: z.string().nullable().default(null),
  latencyMs: z.number(),
  traceId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  guardrails: z
    .array(
      z.object({
        direction: z.enum(["INPUT", "OUTPUT"]),
        detector: z.string(),
        action: z.enum(["FLAG", "REDACT", "BLOCK"]),
        matches: z.number(),
      }),
    )
    .default([]),
  createdAt: z.coerce.date(),
}) satisfies z.ZodType<UsageRecord, unknown>;
