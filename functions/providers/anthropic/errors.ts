/**
 * Anthropic's `error` stream event as a ProviderError. Its error types map to the HTTP statuses
 * Anthropic documents for them (https://docs.anthropic.com/en/api/errors), so a mid-stream
 * overload reads like a 529 answer would have. Error answers (non-2xx) are read by the shared
 * ../upstream-error.ts, whose OpenAI error shape Anthropic's body also fits.
 */
import { isRetryableStatus, ProviderError } from "../errors.ts";
import type { ProviderTarget } from "../types.ts";
import { quote, quoteField } from "../upstream-error.ts";

const STATUS_OF_ERROR_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function errorFromStreamError(
  error: { type?: string | null; message?: string | null },
  target: ProviderTarget,
): ProviderError {
  const status = STATUS_OF_ERROR_TYPE[error.type ?? ""] ?? 500;
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' failed mid-stream: ${quote(error.message || "no explanation", target)}`,
    status,
    retryable: isRetryableStatus(status),
    type: quoteField(error.type ?? null, target),
  });
}
