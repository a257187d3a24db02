/**
 * The Redis list where usage records wait while Postgres is down, drained without a loss window.
 *
 * A drainer does not pop records (a crash between the pop and the insert would lose them); it
 * claims a batch: one script moves it from the outbox into a claim list of its own and notes the
 * claim's time in a sorted set. After the insert the claim is settled (deleted); on failure it is
 * released back to the outbox. A claim nobody settled (its drainer died) is released by the next
 * drain once it is stale. Inserts are idempotent on request_id, so a batch inserted but not yet
 * settled when its drainer died is stored once all the same.
 *
 * Keys: `<outbox>` (list), `<outbox>:claims` (zset of claim keys by time), `<outbox>:claim:<id>`.
 */
import type { Redis } from "@upstash/redis";

/** Moves up to ARGV[1] items from the outbox's head into a claim list registered at ARGV[2]. */
const CLAIM = `
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return {} end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[3], unpack(items))
redis.call('ZADD', KEYS[2], ARGV[2], KEYS[3])
return items`;

/** Puts a claim's items back at the outbox's tail and forgets the claim; returns how many. */
const RELEASE = `
local items = redis.call('LRANGE', KEYS[3], 0, -1)
if #items > 0 then redis.call('RPUSH', KEYS[1], unpack(items)) end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], KEYS[3])
return #items`;

/** Forgets a claim whose items are stored. */
const SETTLE = `
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], KEYS[2])
return 1`;

export interface Claim {
  key: string;
  /** The parked items, as @upstash/redis hands them back (JSON already parsed). */
  items: unknown[];
}

export interface UsageOutbox {
  park(items: string[]): Promise<void>;
  /** Up to `count` items, or null when the outbox is empty. */
  claim(count: number): Promise<Claim | null>;
  settle(claim: Claim): Promise<void>;
  release(claim: Claim): Promise<void>;
  /** Releases claims older than `olderThanMs`; returns how many items went back. */
  releaseAbandoned(olderThanMs: number): Promise<number>;
  /** Items not yet in Postgres: waiting in the outbox or in a claim not yet settled. */
  backlog(): Promise<number>;
}

export function createUsageOutbox(options: {
  redis: Redis;
  key: string;
  now?: () => number;
}): UsageOutbox {
  const { redis, key } = options;
  const now = options.now ?? Date.now;
  const claims = `${key}:claims`;

  const release = (claimKey: string) =>
    redis.eval<[], number>(RELEASE, [key, claims, claimKey], []);

  return {
    async park(items) {
      if (items.length > 0) await redis.rpush(key, ...items);
    },
    async claim(count) {
      const claimKey = `${key}:claim:${crypto.randomUUID()}`;
      const items = await redis.eval<string[], unknown[]>(
        CLAIM,
        [key, claims, claimKey],
        [String(count), String(now())],
      );
      return items.length > 0 ? { key: claimKey, items } : null;
    },
    async settle(claim) {
      await redis.eval(SETTLE, [claims, claim.key], []);
    },
    async release(claim) {
      await release(claim.key);
    },
    async releaseAbandoned(olderThanMs) {
      const stale = await redis.zrange<string[]>(claims, 0, now() - olderThanMs, {
        byScore: true,
      });
      let released = 0;
      for (const claimKey of stale) released += await release(claimKey);
      return released;
    },
    async backlog() {
      const [waiting, claimKeys] = await Promise.all([
        redis.llen(key),
        redis.zrange<string[]>(claims, 0, -1),
      ]);
      const claimed = await Promise.all(claimKeys.map((claimKey) => redis.llen(claimKey)));
      return claimed.reduce((sum, length) => sum + length, waiting);
    },
  };
}
