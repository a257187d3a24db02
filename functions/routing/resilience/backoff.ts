/**
 * Waits between rounds of retries: exponential backoff with full jitter (AWS Architecture Blog,
 * "Exponential Backoff And Jitter": sleep = random(0, min(cap, base · 2^attempt))), which spreads
 * the retries of many clients instead of synchronising them. An upstream's Retry-After is a floor
 * on the wait for that deployment, never shortened by jitter.
 */
export interface BackoffSettings {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 200, capMs: 5_000 };

/** The wait before retry round `round` (1 = the first retry); `random` returns [0, 1). */
export function fullJitterDelay(
  round: number,
  random: () => number,
  settings: BackoffSettings = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(settings.capMs, settings.baseMs * 2 ** Math.max(0, round - 1));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
