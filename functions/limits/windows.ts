/**
 * Budget windows (DESIGN.md, "Limits"): rolling `1h | 1d | 7d | 30d`, or TOTAL for a lifetime
 * cap. A rolling window is kept in Redis as buckets; spend leaves the window a whole bucket at a
 * time, once the bucket lies entirely before `now - window`. Spend is therefore counted for up
 * to one bucket longer than the window, never shorter: the approximation can refuse a call a
 * little early, never let one overspend.
 */
import type { BudgetWindow } from "../../db/schema/budgets.ts";

export interface WindowSpec {
  /** 0 for TOTAL: nothing ever leaves. */
  windowMs: number;
  /** 0 for TOTAL. */
  bucketMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const WINDOW_SPECS: Readonly<Record<BudgetWindow, WindowSpec>> = {
  "1h": { windowMs: HOUR, bucketMs: MINUTE },
  "1d": { windowMs: DAY, bucketMs: 15 * MINUTE },
  "7d": { windowMs: 7 * DAY, bucketMs: HOUR },
  "30d": { windowMs: 30 * DAY, bucketMs: 4 * HOUR },
  TOTAL: { windowMs: 0, bucketMs: 0 },
};

/** The start of the oldest bucket still (partly) inside the window that ends at `now`. */
export function firstCountedBucket(spec: WindowSpec, now: number): number {
  if (spec.windowMs === 0) return 0;
  return Math.floor((now - spec.windowMs) / spec.bucketMs) * spec.bucketMs;
}
