/**
 * The health scripts' native twins (db/redis/embedded/native/health.ts) against the Lua they
 * replace: random health hashes and in-flight sets, random attempts, probes and entries, run
 * on a fengari-only engine and on one with the twins; replies and keyspaces (values, order,
 * TTLs) must match after every call, errors (wrong types, odd stored values) included.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CLAIM_PROBE_SCRIPT,
  ENTER_SCRIPT,
  RECORD_ATTEMPT_SCRIPT,
} from "../../functions/routing/health/health-scripts.ts";
import { EnginePair, type Random, random } from "./native-diff.ts";

const ODD = ["", "abc", " 5", "0x10", "1e3", "-0", "1.5", "nan", "inf", "1e400"];
const KEYS = ["d0:health", "d1:health"];
const FLIGHTS = ["d0:inflight", "d1:inflight"];

function storedText(r: Random, clock: number): string {
  return r.chance(0.15)
    ? r.pick(ODD)
    : r.pick([
        String(r.int(0, 10)),
        String(clock + r.int(-60_000, 60_000)),
        String(r.int(0, 5000) / 4),
      ]);
}

function setUp(r: Random, pair: EnginePair, clock: number): void {
  for (let i = r.int(0, 10); i > 0; i--) {
    const key = r.pick(KEYS);
    const argv = r.pick([
      () => ["HSET", key, "state", r.pick(["open", "closed", "half", ""])],
      () => [
        "HSET",
        key,
        r.pick([
          "fails",
          "open_until",
          "probe_until",
          "win_start",
          "win_total",
          "win_fail",
          "ewma",
        ]),
        storedText(r, clock),
      ],
      () => ["ZADD", r.pick(FLIGHTS), String(clock + r.int(-30_000, 30_000)), `m${r.int(0, 3)}`],
      () => ["PEXPIRE", r.pick([...KEYS, ...FLIGHTS]), String(r.int(1, 3000))],
      () => (r.chance(0.2) ? ["SET", r.pick([...KEYS, ...FLIGHTS]), "x"] : ["PING"]),
    ])();
    const { lua, native } = pair.run(argv);
    expect(native).toEqual(lua);
  }
}

function spoil(r: Random, args: string[]): string[] {
  if (r.chance(0.08) && args.length > 0) {
    const copy = [...args];
    copy[r.int(0, copy.length - 1)] = r.pick(ODD);
    return copy;
  }
  if (r.chance(0.03)) return args.slice(0, r.int(0, args.length - 1));
  return args;
}

function call(r: Random, clock: number): [string, string[], string[]] {
  const now = String(clock + r.int(-1000, 1000));
  switch (r.int(0, 2)) {
    case 0:
      return [
        RECORD_ATTEMPT_SCRIPT,
        [r.pick(KEYS)],
        spoil(r, [
          now,
          r.pick(["success", "failure", "failure", "neutral"]),
          r.chance(0.3) ? "" : String(r.int(0, 5000)),
          String(r.pick([1, 3, 5])),
          String(r.pick([10_000, 60_000])),
          String(r.pick([1, 5, 20])),
          String(r.pick([50, 80, 100])),
          String(r.pick([1000, 30_000])),
          r.pick(["0.3", "0.5", "1"]),
          String(r.pick([60_000, 3_600_000])),
        ]),
      ];
    case 1:
      return [CLAIM_PROBE_SCRIPT, [r.pick(KEYS)], spoil(r, [now, String(r.int(100, 10_000))])];
    default:
      return [
        ENTER_SCRIPT,
        [r.pick(FLIGHTS)],
        spoil(r, [now, `m${r.int(0, 3)}`, String(r.pick([1000, 60_000]))]),
      ];
  }
}

describe("native twins of the health scripts", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reply and write exactly as the Lua does, on random hashes and calls", () => {
    let errors = 0;
    const pair = new EnginePair();
    for (let seed = 1; seed <= 250; seed++) {
      const r = random(seed);
      let clock = 1_760_000_000_000 + r.int(0, 10 ** 9);
      vi.setSystemTime(clock);
      pair.run(["FLUSHALL"]);
      setUp(r, pair, clock);
      for (let step = 0; step < 12; step++) {
        clock += r.chance(0.1) ? r.int(0, 120_000) : r.int(0, 3000);
        vi.setSystemTime(clock);
        const scriptCall = call(r, clock);
        const useSha = !r.chance(0.5);
        if (pair.compareScript(scriptCall, useSha, `seed ${seed} step ${step}`)) errors++;
      }
    }
    pair.close();
    expect(pair.counts.native).toBeGreaterThan(1500);
    expect(pair.counts.declined).toBeGreaterThan(20);
    expect(errors).toBeGreaterThan(20);
  });
});
