/**
 * Stage 6: the response cache (DESIGN.md, "The request pipeline"). Exact match, opt-in per
 * request through `x-switchyard-cache` (functions/cache/cache-directive.ts), per virtual key and
 * per model route through their `cacheTtlSeconds`; functions/cache/cache-policy.ts says which
 * wins. It runs after the limits, so a refused key never reads the cache and a hit still counts
 * as a request against RPM; a hit ends the call before any provider is called, and settles at
 * zero cost and zero tokens (the hold is released, TPM and spend are not charged).
 *
 * Answers are written by the respond stage once complete (../respond.ts calls rememberAnswer, or
 * rememberStream for a stream, which stores it once it has ended normally), off the response
 * path. Redis trouble never fails a call here: a failed read is a miss.
 */
import { assembleCompletion } from "../../cache/assemble.ts";
import {
  CACHE_HEADER,
  type CacheDirective,
  parseCacheDirective,
} from "../../cache/cache-directive.ts";
import { cacheKeyOf } from "../../cache/cache-key.ts";
import { type CacheSource, cachePolicyOf } from "../../cache/cache-policy.ts";
import { type CachedAnswer, createCachedAnswers } from "../../cache/cached-answers.ts";
import { isReplayable } from "../../cache/replay.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
} from "../../protocols/openai/chat.ts";
import type { Usage } from "../../providers/types.ts";
import { toWireUsage } from "../../providers/usage.ts";
import { authenticatedPrincipal, type CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";

/** What the call knows about the cache; on the call context. */
export interface CallCache {
  /** What the request's header asked for; null without the header. */
  requested: CacheDirective | null;
  /** The policy in force once stage 6 has decided (header, key or route); null: not cached. */
  directive: CacheDirective | null;
  /** Which setting decided `directive`. */
  source: CacheSource | null;
  /** The entry's key, once looked up (opted in, and not `no-store`). */
  key: string | null;
  /** The entry that answered the call; null on a miss. */
  hit: CachedAnswer | null;
}

/** Stage 1c: the header is input like the body: a malformed one is a 400 before any work. */
export function readCacheDirective(call: CallContext): void {
  const result = parseCacheDirective(call.request.headers.get(CACHE_HEADER));
  if (!result.ok) throw new GatewayError("invalid_request", result.message);
  call.cache.requested = result.directive;
}

/** The stored answer for this request if the request accepts one; null on a miss. */
export async function lookupCache(
  call: CallContext,
  chat: ChatCompletionRequest,
): Promise<CachedAnswer | null> {
  const principal = authenticatedPrincipal(call);
  // Both settings come from in-process caches (the key's record, the org's routes): no I/O.
  const policy = cachePolicyOf({
    requested: call.cache.requested,
    keyTtlSeconds: principal.cacheTtlSeconds,
    routeTtlSeconds: call.route?.route?.cacheTtlSeconds,
  });
  call.cache.directive = policy.directive;
  call.cache.source = policy.source;
  const { directive } = policy;
  if (directive?.kind !== "max-age") return null;
  const { orgId } = principal;
  const key = await cacheKeyOf(orgId, chat);
  call.cache.key = key;
  let entry: CachedAnswer | null;
  try {
    entry = await cachedAnswers(call).read(orgId, key);
  } catch (error) {
    call.services.log.warn("response cache unreadable", { requestId: call.requestId, error });
    return null;
  }
  // Redis expires the entry after the max-age it was stored with; this request may accept less.
  if (entry === null || call.services.clock() - entry.storedAt > directive.seconds * 1000) {
    return null;
  }
  call.cache.hit = entry;
  return entry;
}

/** Stores a complete answer for the requests that opted in; in the background, best effort. */
export function rememberAnswer(call: CallContext, completion: ChatCompletion, usage: Usage): void {
  const { directive, key, hit } = call.cache;
  if (directive?.kind !== "max-age" || key === null || hit !== null || call.served === null) {
    return;
  }
  if (!isReplayable(completion)) return;
  const { orgId } = authenticatedPrincipal(call);
  const answer: CachedAnswer = {
    completion,
    usage,
    provider: call.served.providerName,
    model: call.served.target.model,
    storedAt: call.services.clock(),
  };
  const ttlMs = directive.seconds * 1000;
  call.services.background.run("response cache write", async () => {
    const stored = await cachedAnswers(call).write(orgId, key, answer, ttlMs);
    if (!stored) {
      call.services.log.info("response cache: answer over the size bound, not stored", {
        requestId: call.requestId,
      });
    }
  });
}

/**
 * The stream's chunks, passed through unchanged and, when the request opted in, put together
 * into a completion that is stored once the stream has ended normally (not on an error or when
 * the client went away: a partial answer is never cached).
 */
export function rememberStream(
  call: CallContext,
  chunks: AsyncIterable<ChatCompletionChunk>,
  usage: () => Usage,
): AsyncIterable<ChatCompletionChunk> {
  if (call.cache.directive?.kind !== "max-age" || call.cache.key === null) return chunks;
  return tap(call, chunks, usage);
}

async function* tap(
  call: CallContext,
  chunks: AsyncIterable<ChatCompletionChunk>,
  usage: () => Usage,
): AsyncGenerator<ChatCompletionChunk> {
  const assembler = assembleCompletion();
  for await (const chunk of chunks) {
    assembler.add(chunk);
    yield chunk;
  }
  const final = usage();
  const completion = assembler.completion(toWireUsage(final));
  if (completion !== null) rememberAnswer(call, completion, final);
}

function cachedAnswers(call: CallContext) {
  return createCachedAnswers({
    redis: call.services.redis.redis,
    namespace: call.services.config.redisNamespace,
  });
}
