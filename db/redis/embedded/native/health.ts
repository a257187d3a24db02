/**
 * Twins of a deployment's health scripts (functions/routing/health/health-scripts.ts:
 * RECORD_ATTEMPT_SCRIPT, CLAIM_PROBE_SCRIPT, ENTER_SCRIPT), run around every provider
 * attempt. Each `call(n, ...)` is the redis.call on line n of the script as sent (line 1 is
 * blank). See twin.ts for the rules a twin keeps.
 */
import type { Reply } from "../reply.ts";
import {
  allWellFormed,
  DECLINE,
  luaToString,
  type NativeHost,
  type NativeScript,
  plainNumber,
  storedNumber,
} from "./twin.ts";

/** HMGET's reply as the script indexes it (h[i], 1-based). */
function field(reply: Reply, index: number): Reply {
  return Array.isArray(reply) ? ((reply as readonly Reply[])[index - 1] ?? null) : null;
}

function recordAttempt(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const key = keys[0];
  if (key === undefined || args.length < 10) return DECLINE;
  const numbers = [0, 3, 4, 5, 6, 7, 8, 9].map((i) => plainNumber(args[i]));
  if (numbers.some((value) => value === undefined)) return DECLINE;
  const [now = 0, limit = 0, windowMs = 0, minRequests = 0, ratePct = 0, ejectMs = 0, alpha = 0] =
    numbers as number[];
  const ttlMs = numbers[7] ?? 0;
  const outcome = args[1] ?? "";
  // tonumber('') is nil (no sample); anything else must be a plain number.
  const sampleText = args[2] ?? "";
  const sample = sampleText === "" ? undefined : plainNumber(sampleText);
  if (sampleText !== "" && sample === undefined) return DECLINE;

  const h = host.call(
    14,
    "HMGET",
    key,
    "state",
    "fails",
    "open_until",
    "win_start",
    "win_total",
    "win_fail",
    "ewma",
  );
  const stored = field(h, 1);
  let state = typeof stored === "string" ? stored : "closed";
  let fails = storedNumber(host, field(h, 2)) ?? 0;
  const openUntil = storedNumber(host, field(h, 3)) ?? 0;
  let winStart = storedNumber(host, field(h, 4)) ?? now;
  let winTotal = storedNumber(host, field(h, 5)) ?? 0;
  let winFail = storedNumber(host, field(h, 6)) ?? 0;
  let ewma = storedNumber(host, field(h, 7));

  if (now - winStart >= windowMs) {
    winStart = now;
    winTotal = 0;
    winFail = 0;
  }

  if (sample !== undefined) {
    ewma = ewma !== undefined ? ewma + alpha * (sample - ewma) : sample;
    host.call(31, "HSET", key, "ewma", luaToString(ewma), "ewma_at", luaToString(now));
  }

  if (outcome === "success") {
    fails = 0;
    winTotal = winTotal + 1;
    if (state === "open") {
      state = "closed";
      winStart = now;
      winTotal = 0;
      winFail = 0;
      host.call(43, "HDEL", key, "open_until", "probe_until");
    }
  } else if (outcome === "failure") {
    fails = fails + 1;
    winTotal = winTotal + 1;
    winFail = winFail + 1;
    if (state === "open") {
      if (now >= openUntil) {
        host.call(53, "HSET", key, "open_until", luaToString(now + ejectMs));
        host.call(54, "HDEL", key, "probe_until");
      }
    } else if (fails >= limit || (winTotal >= minRequests && winFail * 100 >= ratePct * winTotal)) {
      state = "open";
      host.call(58, "HSET", key, "open_until", luaToString(now + ejectMs));
      host.call(59, "HDEL", key, "probe_until");
    }
  } else if (state === "open" && now >= openUntil) {
    host.call(63, "HDEL", key, "probe_until");
  }

  host.call(
    66,
    "HSET",
    key,
    "state",
    state,
    "fails",
    luaToString(fails),
    "win_start",
    luaToString(winStart),
    "win_total",
    luaToString(winTotal),
    "win_fail",
    luaToString(winFail),
  );
  host.call(68, "PEXPIRE", key, ttlMs);
  return state;
}

function claimProbe(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const key = keys[0];
  const now = plainNumber(args[0]);
  const lease = plainNumber(args[1]);
  if (key === undefined || now === undefined || lease === undefined) return DECLINE;
  const h = host.call(4, "HMGET", key, "state", "open_until", "probe_until");
  if (field(h, 1) !== "open") return 1;
  if (now < (storedNumber(host, field(h, 2)) ?? 0)) return 0;
  if (now < (storedNumber(host, field(h, 3)) ?? 0)) return 0;
  host.call(8, "HSET", key, "probe_until", luaToString(now + lease));
  return 1;
}

function enter(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const key = keys[0];
  const now = plainNumber(args[0]);
  const member = args[1];
  const lease = plainNumber(args[2]);
  if (key === undefined || now === undefined || member === undefined || lease === undefined) {
    return DECLINE;
  }
  host.call(4, "ZREMRANGEBYSCORE", key, "-inf", now);
  host.call(5, "ZADD", key, now + lease, member);
  host.call(6, "PEXPIRE", key, lease);
  return 1;
}

export const recordAttemptTwin: NativeScript = {
  name: "functions/routing/health RECORD_ATTEMPT_SCRIPT",
  run: recordAttempt,
};
export const claimProbeTwin: NativeScript = {
  name: "functions/routing/health CLAIM_PROBE_SCRIPT",
  run: claimProbe,
};
export const enterTwin: NativeScript = {
  name: "functions/routing/health ENTER_SCRIPT",
  run: enter,
};
