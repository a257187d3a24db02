/**
 * The HELPERS every limit script starts with (functions/limits/lua.ts: neg, roll,
 * purge_holds, keep_for) and the argument checks the twins in limits.ts share. Line numbers
 * are the helpers' lines in each script as sent, the same in all three.
 */
import type { Reply } from "../reply.ts";
import {
  luaFloor,
  luaMin,
  luaToString,
  type NativeHost,
  plainNumber,
  storedNumber,
} from "./twin.ts";

/** More rate checks or budgets than any plan has: left to fengari. */
export const MAX_COUNT = 1_000;
/** A window of more buckets than this would roll for long: left to fengari. */
export const MAX_BUCKETS = 100_000;

/** neg(amount): the amount as a string, negated without ever printing a number. */
export function neg(amount: string): string {
  if (amount === "0") return amount;
  if (amount.startsWith("-")) return amount.slice(1);
  return `-${amount}`;
}

/** roll(state, now, window, bucket), lines 14-34. */
export function roll(
  host: NativeHost,
  state: string,
  now: number,
  window: number,
  bucket: number,
): void {
  if (window === 0) return;
  const first = luaFloor((now - window) / bucket) * bucket;
  const from = storedNumber(host, host.call(17, "HGET", state, "from"));
  if (from === undefined) {
    host.call(19, "HSET", state, "from", first);
    return;
  }
  if (from >= first) return;
  const last = luaMin(first - bucket, from + window + bucket);
  // A float `for` as fengari runs it: start at from - bucket, add bucket, test, run.
  let start = from - bucket;
  for (let turns = 0; ; turns++) {
    start += bucket;
    if (!(start <= last)) break;
    // Only a stored 'from' beyond 2^53 (which these scripts never write) can stall the sum.
    if (turns > MAX_BUCKETS + 2) throw host.timeLimit(25);
    const field = `b:${luaToString(start)}`;
    const amount = host.call(27, "HGET", state, field);
    if (typeof amount === "string") {
      host.call(29, "HINCRBY", state, "spent", neg(amount));
      host.call(30, "HDEL", state, field);
    }
  }
  host.call(33, "HSET", state, "from", first);
}

/** purge_holds(state, holds, now), lines 37-47. */
export function purgeHolds(host: NativeHost, state: string, holds: string, now: number): void {
  const lapsed = host.call(38, "ZRANGEBYSCORE", holds, "-inf", now);
  if (!Array.isArray(lapsed)) return;
  for (const id of lapsed as readonly Reply[]) {
    const field = `h:${String(id)}`;
    const amount = host.call(40, "HGET", state, field);
    if (typeof amount === "string") {
      host.call(42, "HINCRBY", state, "reserved", neg(amount));
      host.call(43, "HDEL", state, field);
    }
  }
  if (lapsed.length > 0) host.call(46, "ZREMRANGEBYSCORE", holds, "-inf", now);
}

/** keep_for(state, window, bucket, extra), lines 49-51. */
export function keepFor(
  host: NativeHost,
  state: string,
  window: number,
  bucket: number,
  extra: number,
) {
  if (window > 0) host.call(50, "PEXPIRE", state, window + 2 * bucket + extra);
}

export interface Budget {
  readonly limit: number;
  readonly window: number;
  readonly bucket: number;
  readonly amount: number;
}

/** A budget's numbers, or undefined when they are not plain or would roll for long. */
export function budgetNumbers(args: readonly string[], a: number): Budget | undefined {
  const limit = plainNumber(args[a]);
  const window = plainNumber(args[a + 1]);
  const bucket = plainNumber(args[a + 2]);
  const amount = plainNumber(args[a + 3]);
  if (limit === undefined || window === undefined || bucket === undefined) return undefined;
  if (amount === undefined || window < 0) return undefined;
  if (window > 0 && !(bucket > 0 && window / bucket <= MAX_BUCKETS)) return undefined;
  return { limit, window, bucket, amount };
}
