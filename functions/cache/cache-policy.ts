/**
 * Whether a call uses the response cache, and for how long, from the three places that may opt
 * it in (DESIGN.md, "Request headers"; README, "Response cache"). Pure.
 *
 * 1. The request's `x-switchyard-cache` header, when present, decides alone: `no-store` keeps the
 *    call out of the cache whatever the key or route say (the caller knows this answer must be
 *    fresh or must not be kept), `max-age=N` opts it in for N seconds even where nothing else does.
 * 2. Without the header, the virtual key's and the model route's `cacheTtlSeconds`: a call is
 *    opted in when either is set. When both are, the shorter wins: each is the staleness its
 *    owner accepts, and an answer older than either would break that owner's promise.
 * 3. Nothing set: not cached. Caching is opt-in because two identical requests at a temperature
 *    above 0 are meant to get two different answers.
 *
 * The key and route settings ride on the authenticated principal and the resolved route, both
 * already cached in-process, so deciding costs no I/O on a warm call.
 */
import { type CacheDirective, MAX_CACHE_AGE_SECONDS } from "./cache-directive.ts";

/** Where the call's cache behaviour came from; null when nothing opted it in. */
export type CacheSource = "request" | "key" | "route";

export interface CachePolicy {
  directive: CacheDirective | null;
  source: CacheSource | null;
}

export interface CacheSettings {
  /** What the request's header asked for; null without the header. */
  requested: CacheDirective | null;
  /** The virtual key's `cacheTtlSeconds`; null/undefined: not set. */
  keyTtlSeconds?: number | null;
  /** The model route's `cacheTtlSeconds`; null/undefined (or no route): not set. */
  routeTtlSeconds?: number | null;
}

export function cachePolicyOf(settings: CacheSettings): CachePolicy {
  if (settings.requested !== null) return { directive: settings.requested, source: "request" };
  const key = usable(settings.keyTtlSeconds);
  const route = usable(settings.routeTtlSeconds);
  if (key === null && route === null) return { directive: null, source: null };
  if (route === null || (key !== null && key <= route)) {
    return { directive: { kind: "max-age", seconds: key as number }, source: "key" };
  }
  return { directive: { kind: "max-age", seconds: route }, source: "route" };
}

/** A stored setting the admin API validated; anything else (a row written by hand) is "not set". */
function usable(seconds: number | null | undefined): number | null {
  if (typeof seconds !== "number" || !Number.isInteger(seconds)) return null;
  return seconds >= 1 && seconds <= MAX_CACHE_AGE_SECONDS ? seconds : null;
}
