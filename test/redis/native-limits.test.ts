/**
 * The limit scripts' native twins (db/redis/embedded/native/limits.ts) against the Lua they
 * replace: random stores and random reserve/settle/seed calls, run on a fengari-only engine
 * and on one with the twins, must give identical replies and identical keyspaces (values,
 * order, TTLs) after every call. The stores include what the scripts never write themselves
 * (non-numeric counters, wrong types, expired keys, huge amounts) so error replies and their
 * script lines are compared too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RESERVE_SCRIPT, SEED_SCRIPT, SETTLE_SCRIPT } from "../../functions/limits/lua.ts";
import { EnginePair, type Random, random } from "./native-diff.ts";

const WEIRD_NUMBERS = [
  "",
  "abc",
  " 5",
  "5 ",
  "0x1A",
  "1e3",
  "-0",
  "007",
  "1.5",
  "-2.25",
  "inf",
  "nan",
  "99999999999999999999",
  "9223372036854775807",
  "-9223372036854775808",
  "1e400",
  "-1e400",
];
const WINDOWS = [0, 60_000, 3_600_000, 86_400_000];
const IDS = ["a", "b", "req-1", "ü-ñ"];

function integerText(r: Random): string {
  return r.pick([
    () => "0",
    () => String(r.int(1, 100)),
    () => String(r.int(-100, -1)),
    () => String(r.int(0, 10 ** 12)),
    () => String(r.int(10 ** 14, 10 ** 15)),
  ])();
}

/** Mostly integers, sometimes anything a stored value or argument could be. */
function numberText(r: Random, weird = 0.15): string {
  return r.chance(weird) ? r.pick(WEIRD_NUMBERS) : integerText(r);
}

interface World {
  r: Random;
  pair: EnginePair;
  clock: number;
  /** Each budget's window and bucket for this seed, so stored buckets line up with calls. */
  shapes: { window: number; bucket: number }[];
}

const rateKeys = (i: number) => [`r${i}:rq`, `r${i}:rqp`, `r${i}:tk`, `r${i}:tkp`, `r${i}:cc`];
const budgetKeys = (i: number) => [`b${i}:s`, `b${i}:h`];

/** Budget i's shape mostly, sometimes another, as a changed plan would send. */
function shapeOf(w: World, i: number) {
  return w.r.chance(0.85) ? (w.shapes[i] ?? budgetShape(w.r)) : budgetShape(w.r);
}

function budgetShape(r: Random) {
  const window = r.pick(WINDOWS);
  const bucket = window === 0 ? r.pick([0, 1000]) : window / r.pick([1, 10, 60]);
  return { window, bucket };
}

/** Random upkeep state for the stores the scripts read. */
function setUp(w: World): void {
  const { r, pair } = w;
  const ops: (() => string[])[] = [
    () => ["SET", "v", r.pick(["1", "2", ""])],
    () => ["SET", `x${r.int(0, 1)}`, "1"],
    () => ["SET", r.pick(rateKeys(r.int(0, 1)).slice(0, 4)), numberText(r)],
    () => ["ZADD", `r${r.int(0, 1)}:cc`, String(w.clock + r.int(-5000, 5000)), r.pick(IDS)],
    () => ["HSET", `b${r.int(0, 1)}:s`, "seeded", r.chance(0.9) ? "1" : "0"],
    () => ["HSET", `b${r.int(0, 1)}:s`, r.pick(["spent", "reserved"]), numberText(r)],
    () => {
      const i = r.int(0, 1);
      const { window, bucket } = shapeOf(w, i);
      const from =
        bucket === 0 ? 0 : Math.floor((w.clock - window) / bucket - r.int(0, 3)) * bucket;
      return ["HSET", `b${i}:s`, "from", r.chance(0.1) ? numberText(r, 1) : String(from)];
    },
    () => {
      const i = r.int(0, 1);
      const { window, bucket } = shapeOf(w, i);
      const start =
        bucket === 0 ? 0 : Math.floor((w.clock - window) / bucket + r.int(-3, 3)) * bucket;
      return ["HSET", `b${i}:s`, `b:${start}`, numberText(r, 0.1)];
    },
    () => ["HSET", `b${r.int(0, 1)}:s`, `h:${r.pick(IDS)}`, numberText(r, 0.1)],
    () => ["HSET", `b${r.int(0, 1)}:s`, `a:${r.pick(["0.5", "0.8", "1"])}`, "1"],
    () => ["ZADD", `b${r.int(0, 1)}:h`, String(w.clock + r.int(-60_000, 60_000)), r.pick(IDS)],
    () =>
      r.pick([
        ["SET", `b${r.int(0, 1)}:s`, "not a hash"],
        ["LPUSH", `b${r.int(0, 1)}:h`, "not a zset"],
        ["HSET", r.pick(rateKeys(r.int(0, 1))), "f", "1"],
        ["SET", `r${r.int(0, 1)}:cc`, "1"],
      ]),
    () => {
      const keys = ["v", "x0", ...rateKeys(0), ...rateKeys(1), ...budgetKeys(0), ...budgetKeys(1)];
      return ["PEXPIRE", r.pick(keys), String(r.int(1, 3000))];
    },
  ];
  const count = r.int(0, 24);
  for (let i = 0; i < count; i++) {
    // Rare ops (wrong types) are one entry among many, so most stores are well-typed.
    const op = r.chance(0.015) ? ops[11] : r.pick([...ops.slice(0, 11), ops[12]]);
    const argv = (op as () => string[])();
    const { lua, native } = pair.run(argv);
    expect(native).toEqual(lua);
  }
}

/** Sometimes a malformed argument list: an argument replaced by any text, or cut short. */
function spoil(r: Random, args: string[]): string[] {
  if (r.chance(0.1) && args.length > 0) {
    const copy = [...args];
    copy[r.int(0, copy.length - 1)] = r.pick(WEIRD_NUMBERS);
    return copy;
  }
  if (r.chance(0.03)) return args.slice(0, r.int(0, args.length - 1));
  return args;
}

function reserveCall(w: World): [string, string[], string[]] {
  const { r } = w;
  const rates = r.int(0, 2);
  const budgets = r.int(0, 2);
  const keys = ["v"];
  const args = [
    String(w.clock + r.int(-2000, 2000)),
    r.pick(IDS),
    r.chance(0.9) ? r.pick(["1", ""]) : "2",
    String(r.pick([1000, 30_000, 600_000])),
    String(r.pick([1000, 60_000, 900_000])),
    String(rates),
    String(budgets),
  ];
  for (let i = 0; i < rates; i++) {
    keys.push(...rateKeys(r.int(0, 1)));
    args.push(
      String(r.pick([0, 1, 2, 5, 20])),
      String(r.pick([0, 100, 5000])),
      String(r.pick([0, 1, 3])),
      String(r.int(0, 2000)),
    );
  }
  for (let i = 0; i < budgets; i++) {
    const index = r.int(0, 1);
    keys.push(...budgetKeys(index));
    const { window, bucket } = shapeOf(w, index);
    args.push(
      r.chance(0.8) ? String(r.int(0, 10 ** 10)) : integerText(r),
      String(window),
      String(bucket),
      r.chance(0.8) ? String(r.int(0, 10 ** 8)) : integerText(r),
    );
  }
  for (let i = r.int(0, 2); i > 0; i--) keys.push(`x${r.int(0, 1)}`);
  return [RESERVE_SCRIPT, keys, spoil(r, args)];
}

function settleCall(w: World): [string, string[], string[]] {
  const { r } = w;
  const rates = r.int(0, 2);
  const budgets = r.int(0, 2);
  const keys: string[] = [];
  const args = [String(w.clock + r.int(-2000, 2000)), r.pick(IDS), String(rates), String(budgets)];
  for (let i = 0; i < rates; i++) {
    const index = r.int(0, 1);
    keys.push(`r${index}:tk`, `r${index}:cc`);
    args.push(r.chance(0.3) ? "0" : String(r.int(-3000, 3000)));
  }
  for (let i = 0; i < budgets; i++) {
    const index = r.int(0, 1);
    keys.push(...budgetKeys(index));
    const { window, bucket } = shapeOf(w, index);
    args.push(
      r.chance(0.2) ? "0" : r.chance(0.8) ? String(r.int(0, 10 ** 9)) : integerText(r),
      String(r.int(1, 10 ** 10)),
      String(window),
      String(bucket),
      r.pick(["0.5,0.8,1", "0.8", "", "1,,0.5", "0.25,2"]),
    );
  }
  return [SETTLE_SCRIPT, keys, spoil(r, args)];
}

function seedCall(w: World): [string, string[], string[]] {
  const { r } = w;
  const index = r.int(0, 1);
  const { window, bucket } = shapeOf(w, index);
  const args = [String(w.clock + r.int(-2000, 2000)), String(window), String(bucket)];
  for (let i = r.int(0, 4); i > 0; i--) {
    const start = bucket > 0 ? Math.floor((w.clock - r.int(0, window)) / bucket) * bucket : 0;
    args.push(String(start), r.chance(0.9) ? String(r.int(0, 10 ** 9)) : numberText(r, 0.5));
  }
  return [SEED_SCRIPT, [`b${index}:s`], spoil(r, args)];
}

describe("native twins of the limit scripts", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reply and write exactly as the Lua does, on random stores and calls", () => {
    let errors = 0;
    const pair = new EnginePair();
    for (let seed = 1; seed <= 250; seed++) {
      const r = random(seed);
      const clock = 1_760_000_000_000 + r.int(0, 10 ** 9);
      const w: World = { r, pair, clock, shapes: [budgetShape(r), budgetShape(r)] };
      vi.setSystemTime(w.clock);
      pair.run(["FLUSHALL"]);
      setUp(w);
      for (let step = 0; step < 10; step++) {
        w.clock += r.chance(0.1) ? r.int(0, 7_200_000) : r.int(0, 3000);
        vi.setSystemTime(w.clock);
        const scriptCall = r.pick([reserveCall, reserveCall, settleCall, seedCall])(w);
        const useSha = !r.chance(0.5);
        if (pair.compareScript(scriptCall, useSha, `seed ${seed} step ${step}`)) errors++;
      }
    }
    pair.close();
    // The twins ran for most calls, declined some, and met errors along the way.
    expect(pair.counts.native).toBeGreaterThan(1000);
    expect(pair.counts.declined).toBeGreaterThan(20);
    expect(errors).toBeGreaterThan(20);
  });
});
