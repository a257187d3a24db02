/**
 * Google's error bodies (`{"error":{"code","message","status","details"}}`,
 * https://cloud.google.com/apis/design/errors) → ProviderError, from an error answer or from an
 * error object sent in place of a stream chunk. The HTTP status is Google's, with one exception:
 * Google answers an invalid key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID), which is a
 * 401 to everyone else. The quoted message is redacted of the key (../upstream-error.ts).
 */
import { isRetryableStatus, ProviderError, retryAfterMs } from "../errors.ts";
import { readBoundedText } from "../http.ts";
import type { ProviderTarget } from "../types.ts";
import { quote, quoteField } from "../upstream-error.ts";
import { type GoogleError, googleErrorSchema } from "./wire.ts";

const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** Google's canonical codes (google.rpc.Code) by name, for an error that arrives without one. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

export async function errorFromResponse(
  response: Response,
  target: ProviderTarget,
): Promise<ProviderError> {
  const text = await readBoundedText(response, MAX_ERROR_BODY_BYTES);
  const google = parseGoogleError(text);
  const explanation = google?.message || text.trim() || response.statusText || "no explanation";
  const status = statusOf(google, response.status);
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' answered ${status}: ${quote(explanation, target)}`,
    status,
    retryable: isRetryableStatus(status),
    type: quoteField(google?.status ?? null, target),
    code: quoteField(reasonOf(google), target),
    retryAfterMs: retryAfterMs(response.headers),
  });
}

/** An error object sent as a stream chunk. */
export function errorFromStreamError(error: GoogleError, target: ProviderTarget): ProviderError {
  const status = statusOf(error, error.code ?? 0);
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' failed mid-stream: ${quote(error.message || "no explanation", target)}`,
    status,
    retryable: isRetryableStatus(status),
    type: quoteField(error.status ?? null, target),
    code: quoteField(reasonOf(error), target),
  });
}

export function parseGoogleError(text: string): GoogleError | null {
  try {
    const parsed = googleErrorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.error : null;
  } catch {
    return null;
  }
}

function statusOf(error: GoogleError | null, httpStatus: number): number {
  if (reasonOf(error) === "API_KEY_INVALID") return 401;
  if (httpStatus >= 400) return httpStatus;
  return (error?.status ? STATUS_OF_CODE[error.status] : undefined) ?? 500;
}

function reasonOf(error: GoogleError | null): string | null {
  return error?.details?.find((detail) => detail.reason)?.reason ?? null;
}
