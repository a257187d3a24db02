/**
 * One deadline per request over every attempt, backoff and Retry-After wait: 60 s by default,
 * for a stream until its first byte (the stream itself is not bounded: it has started). A client
 * may ask for a shorter or longer one with `x-switchyard-request-timeout: <ms>`. Its signal
 * aborts with a TimeoutError, which the adapters report as a timeout.
 */
import { z } from "zod";

export const DEFAULT_DEADLINE_MS = 60_000;
export const MAX_DEADLINE_MS = 600_000;
export const DEADLINE_HEADER = "x-switchyard-request-timeout";

const deadlineHeader = z.coerce.number().int().min(1).max(MAX_DEADLINE_MS);

/** The header's value, or the default; an invalid value is reported, not guessed at. */
export function deadlineMsOf(headers: Headers): { ok: true; ms: number } | { ok: false } {
  const raw = headers.get(DEADLINE_HEADER);
  if (raw === null || raw.trim() === "") return { ok: true, ms: DEFAULT_DEADLINE_MS };
  const parsed = deadlineHeader.safeParse(raw.trim());
  return parsed.success ? { ok: true, ms: parsed.data } : { ok: false };
}

export interface Deadline {
  readonly ms: number;
  /**
   * Aborts (reason: a TimeoutError) when the deadline passes or the client goes away. Made on
   * first use: only a backoff or a Retry-After wait needs it, and on Node every AbortSignal costs
   * a transferable object, so a call answered at the first attempt never builds one.
   */
  readonly signal: AbortSignal;
  /** Milliseconds left by the gateway's clock (0 once passed). */
  remaining(): number;
  /** Passed, by the gateway's clock or its timer, or the client went away. */
  expired(): boolean;
  /** Ended by its timer or by the client (not by reading the clock): what aborts the signal. */
  aborted(): boolean;
  dispose(): void;
}

const deadlinePassed = () => new DOMException("request deadline passed", "TimeoutError");

export function startDeadline(
  ms: number,
  clock: () => number,
  clientSignal: AbortSignal | undefined,
): Deadline {
  const endsAt = clock() + ms;
  let passed = false;
  let controller: AbortController | null = null;
  let onClientAbort: (() => void) | null = null;
  const timer = setTimeout(() => {
    passed = true;
    controller?.abort(deadlinePassed());
  }, ms);
  const aborted = () => passed || clientSignal?.aborted === true;
  return {
    ms,
    get signal() {
      if (controller) return controller.signal;
      const made = new AbortController();
      controller = made;
      if (passed) made.abort(deadlinePassed());
      else if (clientSignal?.aborted) made.abort(clientSignal.reason);
      else if (clientSignal) {
        onClientAbort = () => made.abort(clientSignal.reason);
        clientSignal.addEventListener("abort", onClientAbort, { once: true });
      }
      return made.signal;
    },
    remaining: () => (aborted() ? 0 : Math.max(0, endsAt - clock())),
    expired: () => aborted() || clock() >= endsAt,
    aborted,
    dispose() {
      clearTimeout(timer);
      if (onClientAbort) clientSignal?.removeEventListener("abort", onClientAbort);
    },
  };
}
