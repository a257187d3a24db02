/**
 * Which failures of a deployment move a call on to the next one (a route's `fallbackOn`). The
 * classes are what an operator reasons about; a provider's own refusal of the request (400, 401,
 * 403, 404, 413, 422) is never one of them, since the next deployment would refuse it too or the
 * client has to fix something, so it goes back to the client.
 */
import type { ProviderError } from "../providers/types.ts";

/** Stored in `model_routes.fallback_on` as these strings. */
export const FAILURE_CLASSES = ["connection", "timeout", "429", "5xx"] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** Without a route, or when a route does not say: every class, as before routes existed. */
export const DEFAULT_FALLBACK_ON: readonly FailureClass[] = FAILURE_CLASSES;

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
      return null;
    default:
      return null;
  }
}

/**
 * Whether to try the next deployment after `error`. A failure that is not retryable (the
 * provider refused the request, the client went away) never falls back. A retryable one falls
 * back when its class is in `fallbackOn`; retryable failures outside the classes (a 2xx that is
 * not the wire format, a misconfigured provider, 409) are the deployment's fault and always do.
 */
export function shouldFallBack(error: ProviderError, fallbackOn: readonly FailureClass[]): boolean {
  if (!error.retryable) return false;
  const failureClass = failureClassOf(error);
  return failureClass === null || fallbackOn.includes(failureClass);
}
