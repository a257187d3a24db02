import { boolean, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, jsonObject, nanoUsd } from "./columns.ts";

/** One try of one deployment (functions/gateway/call-context.ts `Attempt`), as stored. */
export interface AttemptLogEntry {
  /** `<provider>/<model>`. */
  deployment: string;
  /** The upstream's HTTP status; null when no answer came. */
  status: number | null;
  /**
   * The failure's kind (timeout, network, upstream_http, ...); null when it answered; `skipped`
   * for a deployment passed over without a call (circuit open, a capability its provider lacks).
   */
  error: string | null;
  latencyMs: number;
  /** Why a skipped deployment was passed over; absent for a deployment that was called. */
  skipped?: string;
}

/**
 * One accounted call. A ledger: no foreign keys, so a record always lands (the outbox drain never
 * meets a poison row) and survives the deletion of the key, team or org it names.
 */
export const usageRecords = pgTable(
  "usage_records",
  {
    id: id(),
    /** Unique: a retried or twice-drained write of the same request is stored once. */
    requestId: text("request_id").notNull().unique(),
    orgId: uuid("org_id").notNull(),
    teamId: uuid("team_id"),
    keyId: uuid("key_id"),
    agentId: uuid("agent_id"),
    grantId: uuid("grant_id"),
    /** Agent ids root → grantee when the call ran under a delegation grant. */
    delegationChain: uuid("delegation_chain").array(),
    /** Grant ids root → leaf (grantId is the leaf): a grant's spend includes all below it. */
    grantChain: uuid("grant_chain").array(),
    endpoint: text("endpoint").notNull(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    routeAlias: text("route_alias"),
    status: integer("status").notNull(),
    stream: boolean("stream").notNull(),
    cacheHit: boolean("cache_hit").notNull(),
    attempts: integer("attempts").notNull(),
    /** Every deployment tried, in order: `{deployment, status, error, latencyMs}` each. */
    attemptLog: jsonb("attempt_log").$type<AttemptLogEntry[]>().notNull().default([]),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    cachedInputTokens: integer("cached_input_tokens").notNull(),
    /** True when the provider reported no usage and a tokenizer estimated it. */
    usageEstimated: boolean("usage_estimated").notNull(),
    costNanoUsd: nanoUsd("cost_nano_usd").notNull(),
    /** What the limits stage held against budgets before the call: its worst-case cost. */
    reservedNanoUsd: nanoUsd("reserved_nano_usd").notNull().default(0),
    /** Which limit refused the call (`budget:<id>`, `rate:<scope>:<id>:<dimension>`), if one did. */
    refusedBy: text("refused_by"),
    /**
     * False when no price was known for the model: the call was let through at cost 0
     * (SWITCHYARD_UNKNOWN_PRICE=zero) and an admin should set one (setModelPrice).
     */
    priceKnown: boolean("price_known").notNull().default(true),
    latencyMs: integer("latency_ms").notNull(),
    traceId: text("trace_id"),
    metadata: jsonObject("metadata"),
    /** Guardrail decisions on the call: `[{direction, detector, action, matches}]`, no matched text. */
    guardrails: jsonb("guardrails")
      .$type<{ direction: string; detector: string; action: string; matches: number }[]>()
      .notNull()
      .default([]),
    createdAt: createdAt(),
  },
  (t) => [index("usage_records_org_id_created_at_idx").on(t.orgId, t.createdAt)],
);
