/**
 * The usage outbox's native twins (db/redis/embedded/native/outbox.ts) against the Lua they
 * replace: random outboxes, claims and claim registries, random claim/release/settle calls,
 * run on a fengari-only engine and on one with the twins; replies and keyspaces must match
 * after every call, errors (wrong types) included.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EnginePair, luaLiterals, type Random, random } from "./native-diff.ts";

const [CLAIM = "", RELEASE = "", SETTLE = ""] = luaLiterals("functions/accounting/usage-outbox.ts");
const CLAIM_KEYS = ["o:claim:1", "o:claim:2"];

function setUp(r: Random, pair: EnginePair, clock: number): void {
  for (let i = r.int(0, 8); i > 0; i--) {
    const argv = r.pick([
      () => ["RPUSH", "o", ...Array.from({ length: r.int(1, 6) }, () => `{"n":${r.int(0, 99)}}`)],
      () => ["RPUSH", r.pick(CLAIM_KEYS), `{"c":${r.int(0, 99)}}`],
      () => ["ZADD", "o:claims", String(clock - r.int(0, 60_000)), r.pick(CLAIM_KEYS)],
      () => ["PEXPIRE", r.pick(["o", ...CLAIM_KEYS]), String(r.int(1, 3000))],
      () => (r.chance(0.3) ? ["SET", r.pick(["o", "o:claims", ...CLAIM_KEYS]), "x"] : ["PING"]),
    ])();
    const { lua, native } = pair.run(argv);
    expect(native).toEqual(lua);
  }
}

function call(r: Random, clock: number): [string, string[], string[]] {
  const claimKey = r.pick(CLAIM_KEYS);
  switch (r.int(0, 2)) {
    case 0: {
      const count = r.chance(0.1) ? r.pick(["0", "-1", "abc", "2.5"]) : String(r.int(1, 8));
      return [CLAIM, ["o", "o:claims", claimKey], [count, String(clock)]];
    }
    case 1:
      return [RELEASE, ["o", "o:claims", claimKey], []];
    default:
      return [SETTLE, ["o:claims", claimKey], []];
  }
}

describe("native twins of the usage outbox scripts", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reply and write exactly as the Lua does, on random outboxes and calls", () => {
    expect([CLAIM, RELEASE, SETTLE].every((script) => script.includes("redis.call"))).toBe(true);
    let errors = 0;
    const pair = new EnginePair();
    for (let seed = 1; seed <= 200; seed++) {
      const r = random(seed);
      let clock = 1_760_000_000_000 + r.int(0, 10 ** 9);
      vi.setSystemTime(clock);
      pair.run(["FLUSHALL"]);
      setUp(r, pair, clock);
      for (let step = 0; step < 10; step++) {
        clock += r.int(0, 2000);
        vi.setSystemTime(clock);
        const scriptCall = call(r, clock);
        const useSha = !r.chance(0.5);
        if (pair.compareScript(scriptCall, useSha, `seed ${seed} step ${step}`)) errors++;
      }
    }
    pair.close();
    expect(pair.counts.native).toBeGreaterThan(1000);
    expect(pair.counts.declined).toBeGreaterThan(5);
    expect(errors).toBeGreaterThan(20);
  });
});
