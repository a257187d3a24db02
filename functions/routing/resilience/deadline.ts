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
  /** Aborts (reason: a TimeoutError) when the deadline passes or the client goes away. */
  readonly signal: AbortSignal;
  /** Milliseconds left by the gateway's clock (0 once passed). */
  remaining(): number;
  expired(): boolean;
  dispose(): void;
}

export function startDeadline(
  ms: number,
  clock: () => number,
  clientSignal: AbortSignal | undefined,
): Deadline {
  const endsAt = clock() + ms;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("request deadline passed", "TimeoutError")),
    ms,
  );
  const onClientAbort = () => controller.abort(clientSignal?.reason);
  if (clientSignal?.aborted) onClientAbort();
  else clientSignal?.addEventListener("abort", onClientAbort, { once: true });
  return {
    ms,
    signal: controller.signal,
    remaining: () => (controller.signal.aborted ? 0 : Math.max(0, endsAt - clock())),
    expired: () => controller.signal.aborted || clock() >= endsAt,
    dispose() {
      clearTimeout(timer);
      clientSignal?.removeEventListener("abort", onClientAbort);
    },
  };
}
