/**
 * @upstash/ratelimit 2.2 over every transport. Its scripts start with
 * `#!lua flags=allow-key-locking`, which Redis 7 OSS refuses; the TCP transport rewrites
 * them, the embedded engine accepts them (STACK-NOTES.md, "Lua shebang").
 *
 * Timing: each algorithm buckets time by the client's Date.now(). Assertions stick to what
 * that guarantees; a scenario that must happen within one window is rerun on the rare
 * occasion a window boundary falls in the middle of it (the responses' `reset` tells).
 */
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

type Limiter = ConstructorParameters<typeof Ratelimit>[0]["limiter"];
type Response = Awaited<ReturnType<Ratelimit["limit"]>>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sleepUntil = async (epochMs: number) => {
  const wait = epochMs - Date.now();
  if (wait > 0) await sleep(wait + 5);
};

describe.each(transports)("@upstash/ratelimit over $name", (transport) => {
  const t = useRedis(transport);

  function ratelimit(limiter: Limiter, options: { dynamicLimits?: boolean; redis?: Redis } = {}) {
    return new Ratelimit({
      redis: options.redis ?? t.redis,
      limiter,
      prefix: `${t.prefix}rl`,
      // Every call goes to Redis: no local blocking of denied identifiers, no timeout that
      // would turn a slow transport into a success.
      ephemeralCache: false,
      timeout: 0,
      analytics: false,
      enableTelemetry: false,
      dynamicLimits: options.dynamicLimits ?? false,
    });
  }

  async function limit(limiter: Ratelimit, id: string, rate?: number): Promise<Response> {
    const response = await limiter.limit(id, rate === undefined ? undefined : { rate });
    await response.pending;
    return response;
  }

  async function limitTimes(limiter: Ratelimit, id: string, times: number): Promise<Response[]> {
    const responses: Response[] = [];
    for (let i = 0; i < times; i++) responses.push(await limit(limiter, id));
    return responses;
  }

  /** Runs `scenario` with fresh identifiers until all its resets agree (one window). */
  async function inOneWindow<T extends { reset: number }[]>(
    scenario: (id: string) => Promise<T>,
  ): Promise<{ id: string; results: T; startedAt: number; endedAt: number }> {
    for (let attempt = 1; ; attempt++) {
      const id = `user-${attempt}`;
      const startedAt = Date.now();
      const results = await scenario(id);
      const endedAt = Date.now();
      if (new Set(results.map((r) => r.reset)).size === 1 || attempt === 3) {
        return { id, results, startedAt, endedAt };
      }
    }
  }

  describe("fixedWindow", () => {
    it("allows N requests per window, then denies them", async () => {
      const limiter = ratelimit(Ratelimit.fixedWindow(3, "2 s"));
      const { id, results, startedAt, endedAt } = await inOneWindow((id) =>
        limitTimes(limiter, id, 5),
      );
      expect(results.map((r) => r.success)).toEqual([true, true, true, false, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0, 0]);
      expect(results.map((r) => r.limit)).toEqual([3, 3, 3, 3, 3]);
      const reset = results[0]?.reset ?? 0;
      // The end of the current 2 s bucket.
      expect(reset % 2000).toBe(0);
      expect(reset).toBeGreaterThan(startedAt);
      expect(reset).toBeLessThanOrEqual(endedAt + 2000);
      // One counter per bucket, counting denied requests too, expiring with the window.
      const key = `${t.prefix}rl:${id}:${reset / 2000 - 1}`;
      expect(await t.redis.get(key)).toBe(5);
      const pttl = await t.redis.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(2000);
    });

    it("allows requests again once the window has passed", async () => {
      const limiter = ratelimit(Ratelimit.fixedWindow(2, "300 ms"));
      const { id, results } = await inOneWindow((id) => limitTimes(limiter, id, 3));
      expect(results.map((r) => r.success)).toEqual([true, true, false]);
      const reset = results[2]?.reset ?? 0;
      await sleepUntil(reset);
      const next = await limit(limiter, id);
      expect(next).toMatchObject({ success: true, remaining: 1 });
      expect(next.reset).toBeGreaterThanOrEqual(reset + 300);
    });

    it("reports and resets the tokens used, and spends `rate` tokens at once", async () => {
      const limiter = ratelimit(Ratelimit.fixedWindow(5, "60 s"));
      const { id, results } = await inOneWindow(async (id) => {
        const first = await limit(limiter, id, 2);
        const second = await limit(limiter, id);
        return [first, second, await limiter.getRemaining(id)];
      });
      expect(results.map((r) => r.remaining)).toEqual([3, 2, 2]);
      expect(results[2]).toMatchObject({ limit: 5 });
      await limiter.resetUsedTokens(id);
      expect(await limiter.getRemaining(id)).toMatchObject({ remaining: 5, limit: 5 });
      expect(await limit(limiter, id)).toMatchObject({ success: true, remaining: 4 });
    });

    it("applies a dynamic limit stored in Redis", async () => {
      const limiter = ratelimit(Ratelimit.fixedWindow(5, "60 s"), { dynamicLimits: true });
      await limiter.setDynamicLimit({ limit: 1 });
      expect(await limiter.getDynamicLimit()).toEqual({ dynamicLimit: 1 });
      const { results } = await inOneWindow((id) => limitTimes(limiter, id, 2));
      expect(results.map((r) => [r.success, r.limit])).toEqual([
        [true, 1],
        [false, 1],
      ]);
      await limiter.setDynamicLimit({ limit: false });
      expect(await limiter.getDynamicLimit()).toEqual({ dynamicLimit: null });
    });
  });

  describe("slidingWindow", () => {
    it("allows N requests per window, then denies them", async () => {
      const limiter = ratelimit(Ratelimit.slidingWindow(3, "2 s"));
      const { results, startedAt, endedAt } = await inOneWindow((id) => limitTimes(limiter, id, 5));
      expect(results.map((r) => r.success)).toEqual([true, true, true, false, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0, 0]);
      const reset = results[0]?.reset ?? 0;
      expect(reset % 2000).toBe(0);
      expect(reset).toBeGreaterThan(startedAt);
      expect(reset).toBeLessThanOrEqual(endedAt + 2000);
    });

    it("weighs the previous window by how much of it still overlaps", async () => {
      const window = 500;
      const limiter = ratelimit(Ratelimit.slidingWindow(10, `${window} ms`));
      // remaining = 10 - floor((1 - elapsed fraction of the new window) * 10), at the
      // library's Date.now(), which lies between two readings taken around the call.
      const expectedAt = (now: number) => 10 - Math.floor((1 - (now % window) / window) * 10);
      for (let attempt = 1; ; attempt++) {
        const { id, results } = await inOneWindow((id) =>
          limitTimes(limiter, `${attempt}-${id}`, 10),
        );
        expect(results.at(-1)).toMatchObject({ success: true, remaining: 0 });
        const reset = results[0]?.reset ?? 0;
        await sleepUntil(reset);
        const before = Date.now();
        const { remaining } = await limiter.getRemaining(`${attempt}-${id}`);
        const after = Date.now();
        // Only meaningful while still in the window right after the full one.
        if (after >= reset + window && attempt < 3) continue;
        expect(remaining).toBeGreaterThanOrEqual(expectedAt(before));
        expect(remaining).toBeLessThanOrEqual(expectedAt(after));
        expect(remaining).toBeLessThan(10);
        return;
      }
    });

    it("starts over once a whole window has passed without requests", async () => {
      const limiter = ratelimit(Ratelimit.slidingWindow(2, "300 ms"));
      const { id, results } = await inOneWindow((id) => limitTimes(limiter, id, 3));
      expect(results.map((r) => r.success)).toEqual([true, true, false]);
      await sleepUntil((results[0]?.reset ?? 0) + 300);
      expect(await limit(limiter, id)).toMatchObject({ success: true, remaining: 1 });
    });

    it("reports and resets the tokens used", async () => {
      const limiter = ratelimit(Ratelimit.slidingWindow(4, "60 s"));
      const { id, results } = await inOneWindow(async (id) => [
        ...(await limitTimes(limiter, id, 3)),
        await limiter.getRemaining(id),
      ]);
      expect(results.map((r) => r.remaining)).toEqual([3, 2, 1, 1]);
      await limiter.resetUsedTokens(id);
      expect(await limiter.getRemaining(id)).toMatchObject({ remaining: 4, limit: 4 });
    });
  });

  describe("tokenBucket", () => {
    it("spends maxTokens, then denies until the next refill", async () => {
      const limiter = ratelimit(Ratelimit.tokenBucket(1, "10 s", 3));
      const startedAt = Date.now();
      const results = await limitTimes(limiter, "user", 4);
      const endedAt = Date.now();
      expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(results.map((r) => r.limit)).toEqual([3, 3, 3, 3]);
      // reset = first request's time + interval: the next refill.
      const reset = results[3]?.reset ?? 0;
      expect(reset).toBeGreaterThanOrEqual(startedAt + 10_000);
      expect(reset).toBeLessThanOrEqual(endedAt + 10_000);
      expect(results.map((r) => r.reset)).toEqual([reset, reset, reset, reset]);
      // The bucket is a hash the script writes numbers into with Redis' formatting.
      const bucket = await t.redis.hgetall<{ refilledAt: number; tokens: number }>(
        `${t.prefix}rl:user`,
      );
      expect(bucket).toEqual({ refilledAt: reset - 10_000, tokens: 0 });
      expect(await t.redis.pttl(`${t.prefix}rl:user`)).toBeGreaterThan(0);
    });

    it("refills tokens after each interval", async () => {
      const limiter = ratelimit(Ratelimit.tokenBucket(1, "300 ms", 2));
      const results = await limitTimes(limiter, "user", 3);
      expect(results.map((r) => r.success)).toEqual([true, true, false]);
      await sleepUntil(results[2]?.reset ?? 0);
      const refilled = await limit(limiter, "user");
      expect(refilled.success).toBe(true);
      expect(refilled.remaining).toBeLessThanOrEqual(1);
    });

    it("reports and resets the tokens left", async () => {
      const limiter = ratelimit(Ratelimit.tokenBucket(1, "10 s", 5));
      const before = Date.now();
      const fresh = await limiter.getRemaining("user");
      expect(fresh).toMatchObject({ remaining: 5, limit: 5 });
      expect(fresh.reset).toBeGreaterThanOrEqual(before + 10_000);
      const spent = await limit(limiter, "user", 2);
      expect(spent.remaining).toBe(3);
      expect(await limiter.getRemaining("user")).toEqual({
        remaining: 3,
        reset: spent.reset,
        limit: 5,
      });
      await limiter.resetUsedTokens("user");
      expect(await t.redis.exists(`${t.prefix}rl:user`)).toBe(0);
      expect(await limiter.getRemaining("user")).toMatchObject({ remaining: 5 });
    });
  });

  it("runs its scripts by EVALSHA once the server has them", async () => {
    // Counts the library's EVAL fallbacks (it calls EVAL after EVALSHA answers NOSCRIPT).
    let evals = 0;
    const counting = new Proxy(t.redis, {
      get(target, property, receiver) {
        if (property === "eval") evals++;
        return Reflect.get(target, property, receiver);
      },
    });
    const limiter = ratelimit(Ratelimit.tokenBucket(1, "10 s", 10), { redis: counting });
    await limit(limiter, "user");
    evals = 0;
    await limitTimes(limiter, "user", 3);
    // Over TCP this takes the SHA1 mapping of the rewritten shebang script. (At most one more
    // EVAL: another test file's SCRIPT FLUSH on the shared server may land in between.)
    expect(evals).toBeLessThanOrEqual(1);
  });
});
