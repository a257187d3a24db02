/**
 * The limit scripts over every Redis transport (embedded, Upstash REST, and real Redis when
 * REDIS_URL is set): reserve, settle, rolling windows, holds that lapse, seeding. Time is the
 * `now` each call passes, so windows move without sleeping.
 */
import { describe, expect, it } from "vitest";
import { createLimitsStore, type LimitsStore } from "../../functions/limits/limits-store.ts";
import type { BudgetRule, LimitPlan, RateLimitRule } from "../../functions/limits/plan.ts";
import { transports } from "../redis/transports.ts";
import { useRedis } from "../redis/use-redis.ts";

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const USD = 1_000_000_000;

function budget(overrides: Partial<BudgetRule> = {}): BudgetRule {
  return {
    id: crypto.randomUUID(),
    orgId: "org",
    scope: "KEY",
    scopeId: "key",
    limitNanoUsd: 10 * USD,
    window: "1h",
    alertThresholds: [0.8, 1],
    ...overrides,
  };
}

function rate(overrides: Partial<RateLimitRule> = {}): RateLimitRule {
  return {
    id: crypto.randomUUID(),
    scope: "KEY",
    scopeId: "key",
    model: null,
    rpm: null,
    tpm: null,
    maxConcurrency: null,
    ...overrides,
  };
}

function plan(overrides: Partial<LimitPlan> = {}): LimitPlan {
  return { orgId: "org", rates: [], budgets: [], tokens: 10, holdNanoUsd: USD, ...overrides };
}

describe.each(transports)("limit scripts over $name", (transport) => {
  const t = useRedis(transport);
  let counter = 0;
  const store = (): LimitsStore =>
    createLimitsStore({
      redis: t.redis,
      namespace: t.prefix,
      leaseMs: 10 * MINUTE,
      holdMs: 5 * MINUTE,
    });
  const id = () => `req_${++counter}`;

  async function seeded(s: LimitsStore, rule: BudgetRule, spent: Array<[number, string]> = []) {
    await s.seed(
      rule,
      spent.map(([start, nanoUsd]) => ({ start, nanoUsd })),
      T0,
    );
  }

  it("asks for a seed before deciding on a budget Redis knows nothing of", async () => {
    const s = store();
    const rule = budget();
    const outcome = await s.reserve(id(), plan({ budgets: [rule] }), "", T0);
    expect(outcome).toEqual({ kind: "unseeded", budgets: [rule] });
  });

  it("holds the worst case and refuses what no longer fits", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: 3 * USD });
    await seeded(s, rule);
    const p = plan({ budgets: [rule], holdNanoUsd: USD });
    for (let i = 0; i < 3; i++) {
      expect((await s.reserve(id(), p, "", T0)).kind).toBe("reserved");
    }
    expect(await s.reserve(id(), p, "", T0)).toMatchObject({
      kind: "budget_exceeded",
      leftNanoUsd: 0,
    });
  });

  it("replaces the hold by the real cost when the call settles", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: 2 * USD });
    await seeded(s, rule);
    const p = plan({ budgets: [rule], holdNanoUsd: 2 * USD });
    const first = id();
    expect((await s.reserve(first, p, "", T0)).kind).toBe("reserved");
    expect((await s.reserve(id(), p, "", T0)).kind).toBe("budget_exceeded");
    await s.settle(
      { requestId: first, plan: p, reservedAt: T0 },
      { tokens: 5, costNanoUsd: USD / 4 },
      T0,
    );
    const after = await s.reserve(id(), plan({ budgets: [rule], holdNanoUsd: USD }), "", T0);
    expect(after).toMatchObject({ kind: "reserved", budgets: [{ leftNanoUsd: 0.75 * USD }] });
  });

  it("keeps amounts beyond 100,000 USD exact", async () => {
    const s = store();
    const big = 9_007_199_254_740_000;
    const rule = budget({ limitNanoUsd: big });
    await seeded(s, rule, [[T0 - MINUTE, "1000000000000001"]]);
    const outcome = await s.reserve(id(), plan({ budgets: [rule], holdNanoUsd: 1 }), "", T0);
    expect(outcome).toMatchObject({
      kind: "reserved",
      budgets: [{ leftNanoUsd: big - 1_000_000_000_000_001 - 1 }],
    });
  });

  it("lets spend age out of a rolling window, bucket by bucket", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: 2 * USD, window: "1h" });
    await seeded(s, rule);
    const p = plan({ budgets: [rule], holdNanoUsd: 2 * USD });
    const first = id();
    await s.reserve(first, p, "", T0);
    await s.settle(
      { requestId: first, plan: p, reservedAt: T0 },
      { tokens: 1, costNanoUsd: 2 * USD },
      T0,
    );
    expect((await s.reserve(id(), p, "", T0 + 30 * MINUTE)).kind).toBe("budget_exceeded");
    expect((await s.reserve(id(), p, "", T0 + 60 * MINUTE)).kind).toBe("budget_exceeded");
    expect((await s.reserve(id(), p, "", T0 + 61 * MINUTE)).kind).toBe("reserved");
  });

  it("never lets spend leave a TOTAL budget", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: USD, window: "TOTAL" });
    await seeded(s, rule, [[0, String(USD)]]);
    const later = T0 + 400 * 24 * 60 * MINUTE;
    expect((await s.reserve(id(), plan({ budgets: [rule], holdNanoUsd: 1 }), "", later)).kind).toBe(
      "budget_exceeded",
    );
  });

  it("lets the hold of a call that never settled lapse", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: USD });
    await seeded(s, rule);
    const p = plan({ budgets: [rule], holdNanoUsd: USD });
    expect((await s.reserve(id(), p, "", T0)).kind).toBe("reserved");
    expect((await s.reserve(id(), p, "", T0 + MINUTE)).kind).toBe("budget_exceeded");
    expect((await s.reserve(id(), p, "", T0 + 5 * MINUTE + 1)).kind).toBe("reserved");
  });

  it("counts seeded spend from Postgres against the limit", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: 5 * USD });
    await seeded(s, rule, [[T0 - 10 * MINUTE, String(4 * USD)]]);
    expect(
      (await s.reserve(id(), plan({ budgets: [rule], holdNanoUsd: 2 * USD }), "", T0)).kind,
    ).toBe("budget_exceeded");
  });

  it("does not overwrite a budget another instance already seeded", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: 5 * USD });
    await seeded(s, rule, [[T0, String(4 * USD)]]);
    await seeded(s, rule, []);
    expect(
      (await s.reserve(id(), plan({ budgets: [rule], holdNanoUsd: 2 * USD }), "", T0)).kind,
    ).toBe("budget_exceeded");
  });

  it("refuses the request over the RPM and says when to retry", async () => {
    const s = store();
    const p = plan({ rates: [rate({ rpm: 2 })] });
    expect((await s.reserve(id(), p, "", T0 + 1_000)).kind).toBe("reserved");
    expect((await s.reserve(id(), p, "", T0 + 2_000)).kind).toBe("reserved");
    const refused = await s.reserve(id(), p, "", T0 + 3_000);
    expect(refused).toMatchObject({ kind: "rate_limited", dimension: "requests" });
    expect(refused.kind === "rate_limited" && refused.retryAfterMs).toBe(57_000);
  });

  it("slides the RPM window: last minute's requests weigh less as this one goes on", async () => {
    const s = store();
    const p = plan({ rates: [rate({ rpm: 4 })] });
    for (let i = 0; i < 4; i++) await s.reserve(id(), p, "", T0 + 50_000);
    // 30 s into the next minute, last minute's 4 weigh 2: two more fit, a third does not.
    expect((await s.reserve(id(), p, "", T0 + 90_000)).kind).toBe("reserved");
    expect((await s.reserve(id(), p, "", T0 + 90_000)).kind).toBe("reserved");
    expect((await s.reserve(id(), p, "", T0 + 90_000)).kind).toBe("rate_limited");
  });

  it("counts estimated tokens against TPM and corrects them at settle", async () => {
    const s = store();
    const rules = [rate({ tpm: 100 })];
    const first = id();
    const p = plan({ rates: rules, tokens: 80 });
    expect((await s.reserve(first, p, "", T0)).kind).toBe("reserved");
    expect(await s.reserve(id(), plan({ rates: rules, tokens: 30 }), "", T0)).toMatchObject({
      kind: "rate_limited",
      dimension: "tokens",
    });
    await s.settle(
      { requestId: first, plan: p, reservedAt: T0 },
      { tokens: 20, costNanoUsd: 0 },
      T0,
    );
    expect((await s.reserve(id(), plan({ rates: rules, tokens: 30 }), "", T0)).kind).toBe(
      "reserved",
    );
  });

  it("leases concurrency slots until settle, and reclaims a dead call's slot", async () => {
    const s = store();
    const p = plan({ rates: [rate({ maxConcurrency: 1 })] });
    const first = id();
    expect((await s.reserve(first, p, "", T0)).kind).toBe("reserved");
    expect(await s.reserve(id(), p, "", T0)).toMatchObject({ dimension: "concurrency" });
    await s.settle(
      { requestId: first, plan: p, reservedAt: T0 },
      { tokens: 0, costNanoUsd: 0 },
      T0,
    );
    const second = id();
    expect((await s.reserve(second, p, "", T0)).kind).toBe("reserved");
    // `second` never settles: its lease runs out after leaseMs.
    expect((await s.reserve(id(), p, "", T0 + 10 * MINUTE + 1)).kind).toBe("reserved");
  });

  it("writes nothing when one check of several refuses", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: USD });
    await seeded(s, rule);
    const p = plan({ rates: [rate({ rpm: 10 })], budgets: [rule], holdNanoUsd: 2 * USD });
    expect((await s.reserve(id(), p, "", T0)).kind).toBe("budget_exceeded");
    const ok = await s.reserve(
      id(),
      plan({ rates: p.rates, budgets: [rule], holdNanoUsd: 1 }),
      "",
      T0,
    );
    expect(ok).toMatchObject({ kind: "reserved", rates: [{ requestsLeft: 9 }] });
  });

  it("refuses to decide under rules another instance has changed", async () => {
    const s = store();
    await t.redis.set(s.versionKey("org"), "v2");
    expect(await s.reserve(id(), plan(), "v1", T0)).toEqual({ kind: "stale" });
    expect((await s.reserve(id(), plan(), "v2", T0)).kind).toBe("reserved");
  });

  it("reports each alert threshold once per crossing", async () => {
    const s = store();
    const rule = budget({ limitNanoUsd: 10 * USD, alertThresholds: [0.5, 1] });
    await seeded(s, rule);
    const spend = async (nanoUsd: number) => {
      const requestId = id();
      const p = plan({ budgets: [rule], holdNanoUsd: 0 });
      await s.reserve(requestId, p, "", T0);
      return s.settle(
        { requestId, plan: p, reservedAt: T0 },
        { tokens: 0, costNanoUsd: nanoUsd },
        T0,
      );
    };
    expect(await spend(4 * USD)).toEqual([]);
    expect((await spend(2 * USD)).map((c) => c.fraction)).toEqual([0.5]);
    expect(await spend(USD)).toEqual([]);
    expect((await spend(3 * USD)).map((c) => c.fraction)).toEqual([1]);
  });
});
