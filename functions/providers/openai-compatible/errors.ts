/**
 * OpenAI-format errors sent inside a stream. Error answers (non-2xx) are read by the shared
 * ../upstream-error.ts.
 */
import { isRetryableStatus, ProviderError } from "../errors.ts";
import type { ProviderTarget } from "../types.ts";
import { detailsOf, quote, quoteField } from "../upstream-error.ts";
import { upstreamErrorSchema } from "./wire.ts";

export { errorFromResponse } from "../upstream-error.ts";

/** An `{"error": ...}` object sent as a stream event, after the upstream already answered 200. */
export function errorFromStreamEvent(
  payload: unknown,
  target: ProviderTarget,
): ProviderError | null {
  const parsed = upstreamErrorSchema.safeParse(payload);
  if (!parsed.success) return null;
  const details = detailsOf(parsed.data.error);
  // OpenRouter puts the HTTP-like status in `code`; otherwise assume the upstream failed.
  const numericCode = Number(details.code);
  const status = Number.isInteger(numericCode) && numericCode >= 400 ? numericCode : 500;
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' failed mid-stream: ${quote(details.message ?? "no explanation", target)}`,
    status,
    retryable: isRetryableStatus(status),
    type: quoteField(details.type, target),
    code: quoteField(details.code, target),
    param: quoteField(details.param, target),
  });
}
