/**
 * Twins of the limit scripts (functions/limits/lua.ts: RESERVE_SCRIPT, SETTLE_SCRIPT,
 * SEED_SCRIPT), the two EVALSHAs every limited call makes. Read them side by side with the
 * Lua: each block follows the script's statements in order, and each `call(n, ...)` is the
 * redis.call on line n of the script as sent (the shared helpers, limits-helpers.ts, first;
 * line 1 is blank). See twin.ts for the rules a twin keeps.
 */
import { toLongLong } from "../lua/convert.ts";
import type { Reply } from "../reply.ts";
import {
  type Budget,
  budgetNumbers,
  keepFor,
  MAX_BUCKETS,
  MAX_COUNT,
  neg,
  purgeHolds,
  roll,
} from "./limits-helpers.ts";
import {
  allWellFormed,
  DECLINE,
  luaFloor,
  luaMax,
  luaMod,
  luaToString,
  type NativeHost,
  type NativeScript,
  plainCount,
  plainNumber,
  storedNumberOr0,
} from "./twin.ts";

const MINUTE = 60_000;

function reserve(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const now = plainNumber(args[0]);
  const id = args[1] ?? "";
  const leaseMs = plainNumber(args[3]);
  const holdMs = plainNumber(args[4]);
  const rates = plainCount(args[5], MAX_COUNT);
  const budgets = plainCount(args[6], MAX_COUNT);
  if (now === undefined || leaseMs === undefined || holdMs === undefined) return DECLINE;
  if (rates === undefined || budgets === undefined) return DECLINE;
  if (args.length < 7 + rates * 4 + budgets * 4) return DECLINE;
  if (keys.length < 1 + rates * 5 + budgets * 2) return DECLINE;
  const limits: (readonly [number, number, number, number])[] = [];
  for (let i = 0; i < rates; i++) {
    const a = 7 + i * 4;
    const [rpm, tpm, cc, tokens] = [0, 1, 2, 3].map((n) => plainNumber(args[a + n]));
    if (rpm === undefined || tpm === undefined || cc === undefined || tokens === undefined) {
      return DECLINE;
    }
    limits.push([rpm, tpm, cc, tokens]);
  }
  const firstBudgetKey = rates * 5 + 1;
  const firstBudgetArg = 7 + rates * 4;
  const plans: Budget[] = [];
  for (let i = 0; i < budgets; i++) {
    const budget = budgetNumbers(args, firstBudgetArg + i * 4);
    if (!budget) return DECLINE;
    plans.push(budget);
  }

  const version = host.call(60, "GET", keys[0] ?? "") ?? "";
  if (version !== args[2]) return ["stale", version];

  const firstRevocation = 1 + rates * 5 + budgets * 2;
  for (let k = firstRevocation; k < keys.length; k++) {
    if (host.call(66, "EXISTS", keys[k] ?? "") === 1) {
      return ["revoked", k - firstRevocation + 1];
    }
  }

  const elapsed = luaMod(now, MINUTE);
  const weight = (MINUTE - elapsed) / MINUTE;
  const answer: Reply[] = ["ok"];
  for (let i = 0; i < rates; i++) {
    const k = i * 5;
    const [rpm, tpm, cc, tokens] = limits[i] ?? [0, 0, 0, 0];
    const requests =
      storedNumberOr0(host, host.call(78, "GET", keys[k + 2] ?? "")) * weight +
      storedNumberOr0(host, host.call(78, "GET", keys[k + 1] ?? ""));
    if (rpm > 0 && requests + 1 > rpm)
      return ["rate", i + 1, "requests", toLongLong(MINUTE - elapsed)];
    const used =
      storedNumberOr0(host, host.call(82, "GET", keys[k + 4] ?? "")) * weight +
      storedNumberOr0(host, host.call(82, "GET", keys[k + 3] ?? ""));
    if (tpm > 0 && used + tokens > tpm)
      return ["rate", i + 1, "tokens", toLongLong(MINUTE - elapsed)];
    if (cc > 0) {
      host.call(87, "ZREMRANGEBYSCORE", keys[k + 5] ?? "", "-inf", now);
      const held = host.call(88, "ZCARD", keys[k + 5] ?? "");
      if (typeof held === "number" && held >= cc) return ["rate", i + 1, "concurrency", 1000];
    }
    answer.push(rpm > 0 ? toLongLong(luaFloor(rpm - requests - 1)) : -1);
    answer.push(tpm > 0 ? toLongLong(luaFloor(tpm - used - tokens)) : -1);
    answer.push(toLongLong(MINUTE - elapsed));
  }

  const unseeded: Reply[] = [];
  for (let i = 0; i < budgets; i++) {
    const state = keys[firstBudgetKey + i * 2] ?? "";
    const holds = keys[firstBudgetKey + i * 2 + 1] ?? "";
    const { limit, window, bucket, amount } = plans[i] as Budget;
    if (host.call(105, "HGET", state, "seeded") !== "1") {
      unseeded.push(i + 1);
      continue;
    }
    purgeHolds(host, state, holds, now);
    roll(host, state, now, window, bucket);
    const committed =
      storedNumberOr0(host, host.call(110, "HGET", state, "spent")) +
      storedNumberOr0(host, host.call(110, "HGET", state, "reserved"));
    if (committed + amount > limit) {
      return ["budget", i + 1, toLongLong(luaMax(0, limit - committed))];
    }
    answer.push(toLongLong(limit - committed - amount));
  }
  if (unseeded.length > 0) return ["seed", ...unseeded];

  for (let i = 0; i < rates; i++) {
    const k = i * 5;
    const [rpm, tpm, cc] = limits[i] ?? [0, 0, 0];
    if (rpm > 0) {
      host.call(127, "INCR", keys[k + 1] ?? "");
      host.call(128, "PEXPIRE", keys[k + 1] ?? "", 2 * MINUTE);
    }
    if (tpm > 0) {
      host.call(131, "INCRBY", keys[k + 3] ?? "", args[7 + i * 4 + 3] ?? "");
      host.call(132, "PEXPIRE", keys[k + 3] ?? "", 2 * MINUTE);
    }
    if (cc > 0) {
      host.call(135, "ZADD", keys[k + 5] ?? "", now + leaseMs, id);
      host.call(136, "PEXPIRE", keys[k + 5] ?? "", leaseMs);
    }
  }
  for (let i = 0; i < budgets; i++) {
    const state = keys[firstBudgetKey + i * 2] ?? "";
    const holds = keys[firstBudgetKey + i * 2 + 1] ?? "";
    const amount = args[firstBudgetArg + i * 4 + 3] ?? "";
    const { window, bucket } = plans[i] as Budget;
    host.call(143, "HINCRBY", state, "reserved", amount);
    host.call(144, "HSET", state, `h:${id}`, amount);
    host.call(145, "ZADD", holds, now + holdMs, id);
    host.call(146, "PEXPIRE", holds, holdMs);
    keepFor(host, state, window, bucket, holdMs);
  }
  return answer;
}

/** The alert fractions ("0.8,1") as string.gmatch('[^,]+') splits them, or undefined. */
function fractions(text: string | undefined): { text: string; value: number }[] | undefined {
  if (text === undefined) return undefined;
  const out: { text: string; value: number }[] = [];
  for (const part of text.split(",")) {
    if (part === "") continue;
    const value = plainNumber(part);
    if (value === undefined) return undefined;
    out.push({ text: part, value });
  }
  return out;
}

function settle(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const now = plainNumber(args[0]);
  const id = args[1] ?? "";
  const rates = plainCount(args[2], MAX_COUNT);
  const budgets = plainCount(args[3], MAX_COUNT);
  if (now === undefined || rates === undefined || budgets === undefined) return DECLINE;
  if (args.length < 4 + rates + budgets * 5 || keys.length < rates * 2 + budgets * 2) {
    return DECLINE;
  }
  const firstArg = 4 + rates;
  const plans: { cost: string; limit: number; window: number; bucket: number }[] = [];
  const alerts: { text: string; value: number }[][] = [];
  for (let i = 0; i < budgets; i++) {
    const a = firstArg + i * 5;
    const limit = plainNumber(args[a + 1]);
    const window = plainNumber(args[a + 2]);
    const bucket = plainNumber(args[a + 3]);
    const crossing = fractions(args[a + 4]);
    if (limit === undefined || window === undefined || bucket === undefined || !crossing) {
      return DECLINE;
    }
    if (window < 0 || (window > 0 && !(bucket > 0 && window / bucket <= MAX_BUCKETS))) {
      return DECLINE;
    }
    plans.push({ cost: args[a] ?? "", limit, window, bucket });
    alerts.push(crossing);
  }

  const crossed: Reply[] = [];
  for (let i = 0; i < rates; i++) {
    const tokensKey = keys[i * 2] ?? "";
    const leases = keys[i * 2 + 1] ?? "";
    const correction = args[4 + i] ?? "";
    if (correction !== "0" && host.call(62, "EXISTS", tokensKey) === 1) {
      const left = host.call(63, "INCRBY", tokensKey, correction);
      if (typeof left === "number" && left < 0) host.call(64, "INCRBY", tokensKey, -left);
    }
    host.call(66, "ZREM", leases, id);
  }

  const firstKey = rates * 2;
  for (let i = 0; i < budgets; i++) {
    const state = keys[firstKey + i * 2] ?? "";
    const holds = keys[firstKey + i * 2 + 1] ?? "";
    const { cost, limit, window, bucket } = plans[i] as (typeof plans)[number];
    const field = `h:${id}`;
    const held = host.call(76, "HGET", state, field);
    if (typeof held === "string") {
      host.call(78, "HINCRBY", state, "reserved", neg(held));
      host.call(79, "HDEL", state, field);
    }
    host.call(81, "ZREM", holds, id);
    if (host.call(83, "HGET", state, "seeded") !== "1") continue;
    roll(host, state, now, window, bucket);
    if (cost !== "0") {
      const start = window > 0 ? luaFloor(now / bucket) * bucket : 0;
      host.call(87, "HINCRBY", state, `b:${luaToString(start)}`, cost);
      host.call(88, "HINCRBY", state, "spent", cost);
    }
    const spent = storedNumberOr0(host, host.call(90, "HGET", state, "spent"));
    for (const fraction of alerts[i] ?? []) {
      const alertField = `a:${fraction.text}`;
      const above = spent >= fraction.value * limit;
      const alerted = host.call(94, "HGET", state, alertField) === "1";
      if (above && !alerted) {
        host.call(96, "HSET", state, alertField, "1");
        crossed.push(i + 1, fraction.text);
      } else if (alerted && !above) {
        host.call(100, "HDEL", state, alertField);
      }
    }
    keepFor(host, state, window, bucket, 0);
  }
  return crossed;
}

function seed(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const state = keys[0];
  const now = plainNumber(args[0]);
  const window = plainNumber(args[1]);
  const bucket = plainNumber(args[2]);
  if (state === undefined || now === undefined || window === undefined || bucket === undefined) {
    return DECLINE;
  }
  // An odd ARGV count would pass nil to HINCRBY, an error worded by fengari's side.
  if (args.length < 3 || (args.length - 3) % 2 !== 0) return DECLINE;

  if (host.call(54, "HGET", state, "seeded") === "1") return 0;
  host.call(56, "DEL", state);
  for (let i = 3; i < args.length; i += 2) {
    const start = args[i] ?? "";
    const amount = args[i + 1] ?? "";
    if (window > 0) host.call(59, "HINCRBY", state, `b:${start}`, amount);
    host.call(60, "HINCRBY", state, "spent", amount);
  }
  if (window > 0) {
    host.call(63, "HSET", state, "from", luaFloor((now - window) / bucket) * bucket);
  }
  host.call(65, "HSET", state, "seeded", "1");
  keepFor(host, state, window, bucket, 0);
  return 1;
}

export const reserveTwin: NativeScript = { name: "functions/limits RESERVE_SCRIPT", run: reserve };
export const settleTwin: NativeScript = { name: "functions/limits SETTLE_SCRIPT", run: settle };
export const seedTwin: NativeScript = { name: "functions/limits SEED_SCRIPT", run: seed };
