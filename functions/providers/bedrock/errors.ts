/**
 * Bedrock's failures as ProviderErrors. An error answer is `{"message": "..."}` with the
 * exception's name in the `x-amzn-errortype` header (`ThrottlingException:http://...`) and the
 * status it documents (ValidationException 400, AccessDeniedException 403, ThrottlingException
 * 429, ModelTimeoutException 408, ServiceUnavailableException 503, ...), which is kept. A stream
 * fails with an exception message instead (`:message-type: exception`, `:exception-type:
 * throttlingException`), mapped here to the status the same exception has as an answer.
 *
 * Quoted text has the record's credentials removed (AWS echoes access key ids in signature
 * errors), then is cut short.
 */
import { isRetryableStatus, ProviderError, redactSecrets, retryAfterMs } from "../errors.ts";
import { readBoundedText, snippet } from "../http.ts";
import type { ProviderTarget } from "../types.ts";
import { secretsOf } from "./credentials.ts";
import { converseErrorSchema } from "./wire.ts";

const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** ConverseStream's exception events (lowerCamel, as the event stream names them). */
const STATUS_OF_STREAM_EXCEPTION: Readonly<Record<string, number>> = {
  validationException: 400,
  throttlingException: 429,
  serviceUnavailableException: 503,
  internalServerException: 500,
  // The model itself failed mid-stream: the upstream's fault, not the request's.
  modelStreamErrorException: 502,
};

export async function errorFromResponse(
  response: Response,
  target: ProviderTarget,
): Promise<ProviderError> {
  const text = await readBoundedText(response, MAX_ERROR_BODY_BYTES);
  const { message, type } = errorDetails(text, response.headers);
  const explanation = message ?? (response.statusText || "no explanation");
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' answered ${response.status}: ${quote(explanation, target)}`,
    status: response.status,
    retryable: isRetryableStatus(response.status),
    type: type === null ? null : quote(type, target, 100),
    retryAfterMs: retryAfterMs(response.headers),
  });
}

/** A stream's exception (or `:message-type: error`) message as a ProviderError. */
export function errorFromStreamException(
  exceptionType: string,
  payload: string,
  target: ProviderTarget,
): ProviderError {
  const status = STATUS_OF_STREAM_EXCEPTION[exceptionType] ?? 500;
  const message = errorDetails(payload, new Headers()).message ?? exceptionType;
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' failed mid-stream (${quote(exceptionType, target, 100)}): ${quote(message, target)}`,
    status,
    retryable: isRetryableStatus(status),
    type: quote(exceptionType, target, 100),
  });
}

function errorDetails(
  text: string,
  headers: Headers,
): { message: string | null; type: string | null } {
  // `ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/` → the name.
  const header = headers.get("x-amzn-errortype")?.split(":")[0]?.trim() || null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim() === "" ? null : text, type: header };
  }
  const parsed = converseErrorSchema.safeParse(json);
  const message = parsed.success ? (parsed.data.message ?? parsed.data.Message ?? null) : null;
  // awsJson-style bodies name the type as `__type: "com.amazon...#ValidationException"`.
  const bodyType =
    typeof json === "object" && json !== null ? Reflect.get(json, "__type") : undefined;
  const type =
    header ?? (typeof bodyType === "string" ? (bodyType.split("#").at(-1) ?? null) : null);
  return { message: message ?? (parsed.success ? null : text), type };
}

function quote(text: string, target: ProviderTarget, max?: number): string {
  return snippet(redactSecrets(text, secretsOf(target)), max);
}
