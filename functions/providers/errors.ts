/**
 * ProviderError: every way a provider call can fail, as one value with a kind. The router reads
 * `retryable` (and `retryAfterMs`) to decide whether to try again or fall back; the gateway maps
 * `kind` and `status` to its own 502/503/504 in functions/gateway/errors.ts. Messages carry the
 * upstream's explanation but never a credential.
 */

export type ProviderErrorKind =
  /** The upstream answered with a non-2xx status (or an error object in a stream). */
  | "upstream_http"
  /** The call's signal timed out (AbortSignal.timeout → DOMException "TimeoutError"). */
  | "timeout"
  /** No usable connection: refused, reset, DNS failure, disconnect mid-stream. */
  | "network"
  /** The upstream answered 2xx with something that is not the wire format. */
  | "bad_response"
  /** The caller aborted (client went away); nobody is waiting for a retry. */
  | "aborted"
  /** The provider record cannot work (no base URL, invalid config); fix the configuration. */
  | "misconfigured";

export interface ProviderErrorInit {
  kind: ProviderErrorKind;
  message: string;
  /**
   * The upstream's HTTP status; for failures without one, the status a gateway would answer:
   * timeout 504, network 502, bad_response 502, aborted 499, misconfigured 500.
   */
  status: number;
  retryable: boolean;
  /** OpenAI-style error `type` / `code` / `param` from the upstream body, when it sent them. */
  type?: string | null;
  code?: string | null;
  param?: string | null;
  /** From `retry-after-ms` / `retry-after` on 429 and 503 answers. */
  retryAfterMs?: number | null;
  cause?: unknown;
}

export class ProviderError extends Error {
  override name = "ProviderError";
  readonly kind: ProviderErrorKind;
  readonly status: number;
  readonly retryable: boolean;
  readonly type: string | null;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryAfterMs: number | null;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.retryable = init.retryable;
    this.type = init.type ?? null;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

/**
 * 408 (timeout), 409 (conflict, e.g. a busy deployment), 429 (rate limited) and 5xx are worth
 * another try; other 4xx will fail the same way again.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Classifies a rejected fetch or body read. A signal's reason tells a timeout from a caller's
 * abort; anything else thrown by fetch is a network failure (undici: TypeError "fetch failed"
 * or "terminated").
 */
export function providerErrorFromFailure(
  error: unknown,
  signal: AbortSignal,
  provider: string,
): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (isNamedError(reason, "TimeoutError")) {
      return new ProviderError({
        kind: "timeout",
        message: `Provider '${provider}' did not answer in time.`,
        status: 504,
        retryable: true,
        cause: error,
      });
    }
    return new ProviderError({
      kind: "aborted",
      message: `The call to provider '${provider}' was aborted.`,
      status: 499,
      retryable: false,
      cause: error,
    });
  }
  const detail = describeCause(error);
  return new ProviderError({
    kind: "network",
    message: `The connection to provider '${provider}' failed${detail ? `: ${detail}` : ""}.`,
    status: 502,
    retryable: true,
    cause: error,
  });
}

/** `retry-after-ms` (OpenAI) wins over `retry-after` (seconds or an HTTP date, RFC 9110 §10.2.3). */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | null {
  const milliseconds = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers.get("retry-after");
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Removes secrets from text an upstream sent back (some echo the key they rejected). Secrets
 * shorter than 8 characters are left: redacting them would mangle ordinary words.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= 8) redacted = redacted.split(secret).join("[redacted]");
  }
  return redacted;
}

function isNamedError(value: unknown, name: string): boolean {
  return typeof value === "object" && value !== null && "name" in value && value.name === name;
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return "";
  const cause: unknown = error.cause;
  // undici puts the socket-level reason (ECONNREFUSED, "other side closed") in `cause`.
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? cause.code : null;
    return code ?? cause.message;
  }
  return error.message;
}
