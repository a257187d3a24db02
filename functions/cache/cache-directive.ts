/**
 * The request header `x-switchyard-cache` (DESIGN.md, "Request headers"): `max-age=N` opts the
 * request into the response cache (answer from an entry at most N seconds old, store the answer
 * for N seconds), `no-store` keeps it out (never read, never written). Without the header the
 * cache is not used: it is opt-in, because two identical requests at a temperature above 0 are
 * meant to get two different answers.
 */

/** A week: longer entries would answer with models and prices long since changed. */
export const MAX_CACHE_AGE_SECONDS = 7 * 24 * 60 * 60;

export const CACHE_HEADER = "x-switchyard-cache";

export type CacheDirective = { kind: "max-age"; seconds: number } | { kind: "no-store" };

export type DirectiveResult =
  | { ok: true; directive: CacheDirective | null }
  | { ok: false; message: string };

const MAX_AGE = /^max-age=(\d{1,7})$/;

/** Parses the header's value; null (no header) means "not opted in". */
export function parseCacheDirective(value: string | null): DirectiveResult {
  if (value === null) return { ok: true, directive: null };
  const text = value.trim().toLowerCase();
  if (text === "no-store") return { ok: true, directive: { kind: "no-store" } };
  const seconds = Number(MAX_AGE.exec(text)?.[1] ?? Number.NaN);
  if (Number.isInteger(seconds) && seconds >= 1 && seconds <= MAX_CACHE_AGE_SECONDS) {
    return { ok: true, directive: { kind: "max-age", seconds } };
  }
  return {
    ok: false,
    message:
      `The ${CACHE_HEADER} header must be 'no-store' or 'max-age=N' with N a whole number of ` +
      `seconds from 1 to ${MAX_CACHE_AGE_SECONDS} (7 days).`,
  };
}
