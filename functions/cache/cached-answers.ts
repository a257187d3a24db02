/**
 * Cached answers in Redis: one JSON entry per key under `<namespace>cache:<org>:<hash>`, written
 * with a PX expiry of the request's max-age and read back through a schema (Redis is outside
 * data). Entries over the size bound are not stored: the cache is for the many small repeated
 * calls, and one huge answer should not push others out of a shared Redis.
 *
 * The cache is an optimisation: a Redis that cannot be read is a miss, one that cannot be written
 * loses the entry, and the call goes on either way (logged by the caller).
 */
import type { Redis } from "@upstash/redis";
import { z } from "zod";
import { type ChatCompletion, chatCompletionSchema } from "../protocols/openai/chat.ts";
import type { Usage } from "../providers/types.ts";

/** 1 MiB of JSON: far above a typical chat answer, far below what would strain Redis. */
export const MAX_ENTRY_BYTES = 1024 * 1024;

export interface CachedAnswer {
  /** The canonical (non-streamed) answer; a stream is replayed from it. */
  completion: ChatCompletion;
  usage: Usage;
  /** The deployment that produced it, for the response headers of a hit. */
  provider: string;
  model: string;
  /** Epoch ms; a hit needs an entry no older than the request's max-age. */
  storedAt: number;
}

const cachedAnswerSchema = z.object({
  completion: chatCompletionSchema,
  usage: z.object({
    inputTokens: z.int().min(0),
    outputTokens: z.int().min(0),
    cachedInputTokens: z.int().min(0),
    estimated: z.boolean(),
  }),
  provider: z.string(),
  model: z.string(),
  storedAt: z.number(),
});

export interface CachedAnswers {
  read(orgId: string, key: string): Promise<CachedAnswer | null>;
  /** False when the entry is over the size bound and was not stored. */
  write(orgId: string, key: string, answer: CachedAnswer, ttlMs: number): Promise<boolean>;
}

export function createCachedAnswers(options: { redis: Redis; namespace: string }): CachedAnswers {
  const { redis, namespace } = options;
  const redisKey = (orgId: string, key: string) => `${namespace}cache:${orgId}:${key}`;
  return {
    async read(orgId, key) {
      const stored = await redis.get<unknown>(redisKey(orgId, key));
      if (stored === null) return null;
      const parsed = cachedAnswerSchema.safeParse(stored);
      // An entry of another version or a damaged one is a miss; the next answer overwrites it.
      return parsed.success ? parsed.data : null;
    },
    async write(orgId, key, answer, ttlMs) {
      const text = JSON.stringify(answer);
      if (new TextEncoder().encode(text).byteLength > MAX_ENTRY_BYTES) return false;
      await redis.set(redisKey(orgId, key), text, { px: Math.max(1, Math.round(ttlMs)) });
      return true;
    },
  };
}
