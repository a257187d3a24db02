/**
 * A preview deployment shares production's Redis but not its counters: the client prefixes every
 * key (db/redis.ts), Lua KEYS included, so two deployments' limit counters never meet. Runs over
 * the embedded engine, Upstash REST (fake server) and real Redis when REDIS_URL is set.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createRedis, type RedisHandle, type RedisOptions } from "../../db/redis.ts";
import { loadConfig } from "../../functions/config.ts";
import { createLimitsStore } from "../../functions/limits/limits-store.ts";
import type { LimitPlan } from "../../functions/limits/plan.ts";
import { startFakeUpstash } from "../redis/fake-upstash-rest.ts";
import { deleteByPrefix } from "../redis/use-redis.ts";

type Backend = { name: string; options: () => Promise<RedisOptions> };
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

const backends: Backend[] = [
  { name: "embedded", options: async () => ({}) },
  {
    name: "upstash-rest",
    options: async () => {
      const server = await startFakeUpstash();
      closers.push(() => server.close());
      return { upstashUrl: server.url, upstashToken: server.token };
    },
  },
  ...(process.env.REDIS_URL
    ? [{ name: "tcp", options: async () => ({ redisUrl: process.env.REDIS_URL }) }]
    : []),
];

const T0 = Date.UTC(2026, 11, 1, 12);

function onePerMinute(): LimitPlan {
  const rule = {
    id: crypto.randomUUID(),
    scope: "KEY" as const,
    scopeId: "key",
    model: null,
    rpm: 1,
    tpm: null,
    maxConcurrency: null,
  };
  return { orgId: "org", rates: [rule], budgets: [], tokens: 1, holdNanoUsd: 0 };
}

describe.each(backends)("Redis key prefix over $name", (backend) => {
  it("keeps two deployments' limit counters apart, though they share key names", async () => {
    const options = await backend.options();
    const run = crypto.randomUUID();
    const handles: RedisHandle[] = [];
    const open = (keyPrefix: string) => {
      const handle = createRedis({ ...options, keyPrefix });
      handles.push(handle);
      return handle;
    };
    const production = open(`switchyard-test:${run}:prod:`);
    const preview = open(`switchyard-test:${run}:preview:`);
    const unprefixed = open("");
    try {
      const store = (handle: RedisHandle) =>
        createLimitsStore({
          // As services.ts builds it: the raw-reply client must carry the prefix too.
          redis: handle.rawReplies,
          namespace: "sy:",
          leaseMs: 60_000,
          holdMs: 60_000,
        });
      const plan = onePerMinute();
      expect((await store(production).reserve("req_1", plan, "", T0)).kind).toBe("reserved");
      expect((await store(production).reserve("req_2", plan, "", T0)).kind).toBe("rate_limited");
      // Same rule, same key names, same minute: the preview's counter is its own.
      expect((await store(preview).reserve("req_3", plan, "", T0)).kind).toBe("reserved");
      expect((await store(preview).reserve("req_4", plan, "", T0)).kind).toBe("rate_limited");

      // What the store really holds: every key the scripts wrote carries its deployment's prefix.
      const written = await scanAll(unprefixed.redis, `switchyard-test:${run}:*`);
      expect(written.length).toBeGreaterThanOrEqual(2);
      expect(written.some((key) => key.startsWith(`switchyard-test:${run}:prod:sy:`))).toBe(true);
      expect(written.some((key) => key.startsWith(`switchyard-test:${run}:preview:sy:`))).toBe(
        true,
      );
      // And a prefixed client lists its own keys without the prefix, and nobody else's.
      const seen = await scanAll(preview.redis, "*");
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((key) => key.startsWith("sy:"))).toBe(true);
      expect(seen.length).toBeLessThan(written.length);
    } finally {
      await deleteByPrefix(unprefixed.redis, `switchyard-test:${run}:`);
      for (const handle of handles) await handle.close();
    }
  });

  it("prefixes plain commands, pipelines and scripts alike", async () => {
    const options = await backend.options();
    const prefix = `switchyard-test:${crypto.randomUUID()}:`;
    const prefixed = createRedis({ ...options, keyPrefix: prefix });
    const unprefixed = createRedis(options);
    try {
      await prefixed.redis.set("a", "1");
      const pipeline = prefixed.redis.pipeline();
      pipeline.incr("b");
      pipeline.get("a");
      expect(await pipeline.exec()).toEqual([1, 1]);
      expect(await prefixed.redis.eval("return redis.call('GET', KEYS[1])", ["b"], [])).toBe(1);
      expect(await unprefixed.redis.get(`${prefix}a`)).toBe(1);
      expect(await unprefixed.redis.get("a")).not.toBe(1);
    } finally {
      await deleteByPrefix(unprefixed.redis, prefix);
      await prefixed.close();
      await unprefixed.close();
    }
  });
});

describe("the prefix a deployment gets", () => {
  it("is the deployment's on a Vercel preview and none in production", () => {
    const preview = loadConfig({ VERCEL_ENV: "preview", VERCEL_DEPLOYMENT_ID: "dpl_9" });
    expect(preview.redisKeyPrefix).toBe("preview:dpl_9:");
    expect(loadConfig({}).redisKeyPrefix).toBe("");
  });
});

/**
 * Every key matching `match`, following SCAN's cursor: one call returns only the part of the
 * keyspace it walked, so on a shared Redis holding many keys a single page can miss ours.
 */
async function scanAll(
  redis: {
    scan(
      cursor: string | number,
      options: { match: string; count: number },
    ): Promise<[string | number, string[]]>;
  },
  match: string,
): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | number = 0;
  do {
    const [next, page] = await redis.scan(cursor, { match, count: 1000 });
    keys.push(...page);
    cursor = next;
  } while (String(cursor) !== "0");
  return keys;
}
