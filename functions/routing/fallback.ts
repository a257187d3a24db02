/**
 * Which failures of a deployment move a call on to the next one (a route's `fallbackOn`). The
 * classes are what an operator reasons about; a provider's own refusal of the request (400, 401,
 * 403, 404, 413, 422) is never one of them, since the next deployment would refuse it too or the
 * client has to fix something, so it goes back to the client.
 */
import type { ProviderError } from "../providers/types.ts";

/**
 * Stored in `model_routes.fallback_on` as these strings. "context_window" is the one refusal a
 * route may opt into: the prompt is too long for this deployment's model, and a later deployment
 * with a larger window may take it.
 */
export const FAILURE_CLASSES = ["connection", "timeout", "429", "5xx", "context_window"] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** Without a route, or when a route does not say: every transient class, as before routes. */
export const DEFAULT_FALLBACK_ON: readonly FailureClass[] = ["connection", "timeout", "429", "5xx"];

/**
 * How providers say "the prompt does not fit": OpenAI and its compatibles send the code
 * `context_length_exceeded`; Anthropic says "prompt is too long"; others word it in the message.
 */
const CONTEXT_WINDOW_CODES = new Set(["context_length_exceeded", "string_above_max_length"]);
const CONTEXT_WINDOW_MESSAGE =
  /context[ _-]?(length|window)|maximum context|prompt is too long|too many (input )?tokens|input is too long/i;

export function isContextWindowError(error: ProviderError): boolean {
  if (error.kind !== "upstream_http" || (error.status !== 400 && error.status !== 413))
    return false;
  if (error.code !== null && CONTEXT_WINDOW_CODES.has(error.code)) return true;
  return CONTEXT_WINDOW_MESSAGE.test(error.message);
}

export function isFailureClass(value: string): value is FailureClass {
  return (FAILURE_CLASSES as readonly string[]).includes(value);
}

/** The class of a failure, or null when it is not one a route chooses about. */
export function failureClassOf(error: ProviderError): FailureClass | null {
  switch (error.kind) {
    case "network":
      return "connection";
    case "timeout":
      return "timeout";
    case "upstream_http":
      if (error.status === 429) return "429";
      if (error.status === 408) return "timeout";
      if (error.status >= 500) return "5xx";
      if (isContextWindowError(error)) return "context_window";
      return null;
    default:
      return null;
  }
}

/**
 * Whether to try the next deployment after `error`. A failure that is not retryable (the
 * provider refused the request, the client went away) never falls back, except a context-window
 * refusal on a route that opted in. A retryable one falls
 * back when its class is in `fallbackOn`; retryable failures outside the classes (a 2xx that is
 * not the wire format, a misconfigured provider, 409) are the deployment's fault and always do.
 */
export function shouldFallBack(error: ProviderError, fallbackOn: readonly FailureClass[]): boolean {
  const failureClass = failureClassOf(error);
  if (failureClass === "context_window") return fallbackOn.includes(failureClass);
  if (!error.retryable) return false;
  return failureClass === null || fallbackOn.includes(failureClass);
}
