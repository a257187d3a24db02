/**
 * Deployment health shared by every instance through Redis: circuit breaker, recent latency and
 * calls in flight. Reading the health of a route's deployments is one pipelined round trip;
 * writes happen after each attempt, off the response path. A deployment is keyed by provider id
 * (or name, for built-in and environment providers) and model, so every route that lists it and
 * every org of a global provider see the same health.
 */
import type { Redis } from "@upstash/redis";
import type { Deployment } from "../model-directory.ts";
import {
  type AttemptOutcome,
  type BreakerSettings,
  type BreakerState,
  CLOSED,
} from "./circuit-breaker.ts";
import { CLAIM_PROBE_SCRIPT, ENTER_SCRIPT, RECORD_ATTEMPT_SCRIPT } from "./health-scripts.ts";

/** What strategies and the breaker read of one deployment. */
export interface DeploymentHealth {
  breaker: BreakerState;
  /** Exponentially weighted average latency and when it was last fed; null before any sample. */
  latency: { ewmaMs: number; at: number } | null;
  /** Calls in flight on it, on every instance (expired leases excluded). */
  inFlight: number;
}

export const UNKNOWN_HEALTH: DeploymentHealth = { breaker: CLOSED, latency: null, inFlight: 0 };

export interface HealthStore {
  /** The health of each deployment, in the same order; one round trip. */
  read(deployments: readonly Deployment[], now: number): Promise<DeploymentHealth[]>;
  /** Whether this caller won the half-open probe of `deployment` (see CLAIM_PROBE_SCRIPT). */
  claimProbe(deployment: Deployment, now: number, leaseMs: number): Promise<boolean>;
  record(
    deployment: Deployment,
    attempt: { outcome: AttemptOutcome; latencySampleMs: number | null },
    now: number,
  ): Promise<void>;
  /** Counts a call in flight until leave() or, if this instance dies first, the lease's end. */
  enter(deployment: Deployment, member: string, now: number): Promise<void>;
  leave(deployment: Deployment, member: string): Promise<void>;
}

export interface HealthStoreOptions {
  redis: Redis;
  namespace: string;
  breaker: BreakerSettings;
  /** Weight of a new latency sample in the average. */
  latencyAlpha: number;
  /** How long an in-flight mark outlives an instance that died mid-call. */
  inFlightLeaseMs: number;
  /** How long a deployment nobody calls keeps its health. */
  healthTtlMs: number;
}

export function createHealthStore(options: HealthStoreOptions): HealthStore {
  const { redis, breaker } = options;
  const recordScript = redis.createScript<string>(RECORD_ATTEMPT_SCRIPT);
  const claimScript = redis.createScript<number>(CLAIM_PROBE_SCRIPT);
  const enterScript = redis.createScript<number>(ENTER_SCRIPT);
  const base = (deployment: Deployment) =>
    `${options.namespace}dep:${deployment.providerId ?? `name:${deployment.providerName}`}:${deployment.target.model}`;
  const healthKey = (deployment: Deployment) => `${base(deployment)}:health`;
  const inFlightKey = (deployment: Deployment) => `${base(deployment)}:inflight`;

  return {
    async read(deployments, now) {
      if (deployments.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const deployment of deployments) {
        pipeline.hmget(
          healthKey(deployment),
          "state",
          "open_until",
          "probe_until",
          "ewma",
          "ewma_at",
        );
        pipeline.zcount(inFlightKey(deployment), `(${now}`, "+inf");
      }
      const replies = await pipeline.exec();
      return deployments.map((_, index) =>
        healthOf(replies[index * 2] as HashReply, replies[index * 2 + 1]),
      );
    },

    async claimProbe(deployment, now, leaseMs) {
      return (
        Number(await claimScript.exec([healthKey(deployment)], [String(now), String(leaseMs)])) ===
        1
      );
    },

    async record(deployment, attempt, now) {
      await recordScript.exec(
        [healthKey(deployment)],
        [
          String(now),
          attempt.outcome,
          attempt.latencySampleMs === null
            ? ""
            : String(Math.max(0, Math.round(attempt.latencySampleMs))),
          String(breaker.consecutiveFailures),
          String(breaker.windowMs),
          String(breaker.windowMinRequests),
          String(breaker.failureRatePercent),
          String(breaker.ejectionMs),
          String(options.latencyAlpha),
          String(options.healthTtlMs),
        ],
      );
    },

    async enter(deployment, member, now) {
      await enterScript.exec(
        [inFlightKey(deployment)],
        [String(now), member, String(options.inFlightLeaseMs)],
      );
    },

    async leave(deployment, member) {
      await redis.zrem(inFlightKey(deployment), member);
    },
  };
}

/** HMGET as @upstash/redis returns it: an object by field, or null when every field is unset. */
type HashReply = Record<string, unknown> | null;

function healthOf(hash: HashReply, inFlight: unknown): DeploymentHealth {
  const field = (name: string) => toNumber(hash?.[name]);
  const ewma = field("ewma");
  return {
    breaker:
      hash?.state === "open"
        ? { open: true, openUntil: field("open_until") ?? 0, probeUntil: field("probe_until") ?? 0 }
        : CLOSED,
    latency: ewma === null ? null : { ewmaMs: ewma, at: field("ewma_at") ?? 0 },
    inFlight: toNumber(inFlight) ?? 0,
  };
}

/** The client turns numeric strings into numbers; an absent field is null. */
function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
