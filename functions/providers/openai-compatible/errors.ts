/**
 * Upstream error answers → ProviderError. Follows OpenAI's error body
 * (`{"error":{"message","type","code","param"}}`) and tolerates the variants compatible servers
 * send (`{"error":"text"}`, `{"message"}`, `{"detail"}`, plain text).
 */
import { isRetryableStatus, ProviderError, redactSecret, retryAfterMs } from "../errors.ts";
import { readBoundedText, snippet } from "../http.ts";
import type { ProviderTarget } from "../types.ts";
import { upstreamErrorSchema } from "./wire.ts";

const MAX_ERROR_BODY_BYTES = 16 * 1024;

interface ErrorDetails {
  message: string | null;
  type: string | null;
  code: string | null;
  param: string | null;
}

export async function errorFromResponse(
  response: Response,
  target: ProviderTarget,
): Promise<ProviderError> {
  const text = await readBoundedText(response, MAX_ERROR_BODY_BYTES);
  const details = errorDetails(text);
  const explanation = details.message ?? (response.statusText || "no explanation");
  return new ProviderError({
    kind: "upstream_http",
    message: redactSecret(
      `Provider '${target.name}' answered ${response.status}: ${explanation}`,
      target.apiKey,
    ),
    status: response.status,
    retryable: isRetryableStatus(response.status),
    type: details.type,
    code: details.code,
    param: details.param,
    retryAfterMs: retryAfterMs(response.headers),
  });
}

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
    message: redactSecret(
      `Provider '${target.name}' failed mid-stream: ${details.message ?? "no explanation"}`,
      target.apiKey,
    ),
    status,
    retryable: isRetryableStatus(status),
    type: details.type,
    code: details.code,
    param: details.param,
  });
}

function errorDetails(text: string): ErrorDetails {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      message: text.trim() === "" ? null : snippet(text),
      type: null,
      code: null,
      param: null,
    };
  }
  const parsed = upstreamErrorSchema.safeParse(json);
  if (parsed.success) return detailsOf(parsed.data.error);
  if (typeof json === "object" && json !== null) {
    for (const field of ["message", "detail"]) {
      const value: unknown = Reflect.get(json, field);
      if (typeof value === "string") return { message: value, type: null, code: null, param: null };
    }
  }
  return { message: snippet(text), type: null, code: null, param: null };
}

function detailsOf(error: string | Record<string, unknown>): ErrorDetails {
  if (typeof error === "string") return { message: error, type: null, code: null, param: null };
  return {
    message: stringField(error.message),
    type: stringField(error.type),
    code: error.code === null || error.code === undefined ? null : String(error.code),
    param: stringField(error.param),
  };
}

function stringField(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}
