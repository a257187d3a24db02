/**
 * The limits' Redis I/O: one script call to reserve everything a call must fit, one to settle,
 * and the seeding of a budget's window from Postgres when Redis has lost it.
 */
import type { Redis } from "@upstash/redis";
import { RESERVE_SCRIPT, SEED_SCRIPT, SETTLE_SCRIPT } from "./lua.ts";
import type { BudgetRule, LimitPlan, RateLimitRule } from "./plan.ts";
import { grantRevokedKey, rateCounterKey } from "./plan.ts";
import { WINDOW_SPECS } from "./windows.ts";

const MINUTE = 60_000;

export interface LimitsStoreOptions {
  redis: Redis;
  /** Prefix of every key (deployment namespace). */
  namespace: string;
  /** How long a concurrency slot outlives a process that died mid-call. */
  leaseMs: number;
  /** How long a budget hold outlives a process that died mid-call. */
  holdMs: number;
}

export type ReserveOutcome =
  | {
      kind: "reserved";
      rates: Array<{
        rule: RateLimitRule;
        requestsLeft: number;
        tokensLeft: number;
        resetMs: number;
      }>;
      budgets: Array<{ rule: BudgetRule; leftNanoUsd: number }>;
    }
  | { kind: "stale" }
  /** A delegation grant of the call's chain was revoked (marker written by the revocation). */
  | { kind: "grant_revoked"; grantId: string }
  | { kind: "unseeded"; budgets: BudgetRule[] }
  | {
      kind: "rate_limited";
      rule: RateLimitRule;
      dimension: "requests" | "tokens" | "concurrency";
      retryAfterMs: number;
    }
  | { kind: "budget_exceeded"; rule: BudgetRule; leftNanoUsd: number };

/** What a settle needs to undo and correct; made by reserve, kept in the call context. */
export interface Reservation {
  requestId: string;
  plan: LimitPlan;
  reservedAt: number;
}

export interface Crossing {
  budget: BudgetRule;
  fraction: number;
}

export interface LimitsStore {
  reserve(
    requestId: string,
    plan: LimitPlan,
    version: string,
    now: number,
  ): Promise<ReserveOutcome>;
  settle(
    reservation: Reservation,
    actual: { tokens: number; costNanoUsd: number },
    now: number,
  ): Promise<Crossing[]>;
  /** Writes a budget's window as Postgres has it, unless another instance already did. */
  seed(
    rule: BudgetRule,
    buckets: Array<{ start: number; nanoUsd: string }>,
    now: number,
  ): Promise<void>;
  versionKey(orgId: string): string;
}

export function createLimitsStore(options: LimitsStoreOptions): LimitsStore {
  const { redis, namespace } = options;
  const reserveScript = redis.createScript<unknown[]>(RESERVE_SCRIPT);
  const settleScript = redis.createScript<unknown[]>(SETTLE_SCRIPT);
  const seedScript = redis.createScript<number>(SEED_SCRIPT);
  const key = (name: string) => `${namespace}${name}`;
  const budgetKeys = (rule: BudgetRule) => [key(`bud:${rule.id}`), key(`bud:${rule.id}:holds`)];
  const versionKey = (orgId: string) => key(`limits:v:${orgId}`);

  return {
    versionKey,

    async reserve(requestId, plan, version, now) {
      const minute = Math.floor(now / MINUTE);
      const keys = [versionKey(plan.orgId)];
      const args = [
        String(now),
        requestId,
        version,
        String(options.leaseMs),
        String(options.holdMs),
        String(plan.rates.length),
        String(plan.budgets.length),
      ];
      for (const rule of plan.rates) {
        const base = key(rateCounterKey(rule));
        keys.push(`${base}:r:${minute}`, `${base}:r:${minute - 1}`);
        keys.push(`${base}:t:${minute}`, `${base}:t:${minute - 1}`, `${base}:cc`);
        args.push(
          String(rule.rpm ?? 0),
          String(rule.tpm ?? 0),
          String(rule.maxConcurrency ?? 0),
          String(plan.tokens),
        );
      }
      for (const rule of plan.budgets) {
        const spec = WINDOW_SPECS[rule.window];
        keys.push(...budgetKeys(rule));
        args.push(
          String(rule.limitNanoUsd),
          String(spec.windowMs),
          String(spec.bucketMs),
          String(plan.holdNanoUsd),
        );
      }
      for (const grantId of plan.grantIds ?? []) keys.push(key(grantRevokedKey(grantId)));
      return readReserveAnswer(await reserveScript.exec(keys, args), plan);
    },

    async settle(reservation, actual, now) {
      const { plan } = reservation;
      if (plan.rates.length === 0 && plan.budgets.length === 0) return [];
      const minute = Math.floor(reservation.reservedAt / MINUTE);
      const keys: string[] = [];
      const args = [
        String(now),
        reservation.requestId,
        String(plan.rates.length),
        String(plan.budgets.length),
      ];
      for (const rule of plan.rates) {
        const base = key(rateCounterKey(rule));
        keys.push(`${base}:t:${minute}`, `${base}:cc`);
      }
      for (const rule of plan.rates) {
        args.push(String(rule.tpm ? Math.round(actual.tokens - plan.tokens) : 0));
      }
      for (const rule of plan.budgets) {
        const spec = WINDOW_SPECS[rule.window];
        keys.push(...budgetKeys(rule));
        args.push(
          String(Math.max(0, Math.round(actual.costNanoUsd))),
          String(rule.limitNanoUsd),
          String(spec.windowMs),
          String(spec.bucketMs),
          rule.alertThresholds.join(","),
        );
      }
      const crossed = await settleScript.exec(keys, args);
      const crossings: Crossing[] = [];
      for (let i = 0; i + 1 < crossed.length; i += 2) {
        const budget = plan.budgets[Number(crossed[i]) - 1];
        if (budget) crossings.push({ budget, fraction: Number(crossed[i + 1]) });
      }
      return crossings;
    },

    async seed(rule, buckets, now) {
      const spec = WINDOW_SPECS[rule.window];
      const args = [String(now), String(spec.windowMs), String(spec.bucketMs)];
      for (const bucket of buckets) args.push(String(bucket.start), bucket.nanoUsd);
      const [state] = budgetKeys(rule);
      if (state) await seedScript.exec([state], args);
    },
  };
}

function readReserveAnswer(answer: unknown[], plan: LimitPlan): ReserveOutcome {
  const [status, ...rest] = answer;
  switch (status) {
    case "stale":
      return { kind: "stale" };
    case "revoked": {
      const grantId = plan.grantIds?.[Number(rest[0]) - 1];
      if (!grantId) break;
      return { kind: "grant_revoked", grantId };
    }
    case "seed":
      return {
        kind: "unseeded",
        budgets: rest.flatMap((index) => plan.budgets[Number(index) - 1] ?? []),
      };
    case "rate": {
      const rule = plan.rates[Number(rest[0]) - 1];
      const dimension = rest[1];
      if (
        !rule ||
        (dimension !== "requests" && dimension !== "tokens" && dimension !== "concurrency")
      ) {
        break;
      }
      return { kind: "rate_limited", rule, dimension, retryAfterMs: Number(rest[2]) };
    }
    case "budget": {
      const rule = plan.budgets[Number(rest[0]) - 1];
      if (!rule) break;
      return { kind: "budget_exceeded", rule, leftNanoUsd: Number(rest[1]) };
    }
    case "ok": {
      const rates = plan.rates.map((rule, i) => ({
        rule,
        requestsLeft: Number(rest[i * 3]),
        tokensLeft: Number(rest[i * 3 + 1]),
        resetMs: Number(rest[i * 3 + 2]),
      }));
      const offset = plan.rates.length * 3;
      const budgets = plan.budgets.map((rule, i) => ({
        rule,
        leftNanoUsd: Number(rest[offset + i]),
      }));
      return { kind: "reserved", rates, budgets };
    }
  }
  throw new Error(`limits: unexpected answer from the reserve script: ${JSON.stringify(answer)}`);
}
