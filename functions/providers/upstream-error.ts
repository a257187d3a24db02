/**
 * Upstream error answers → ProviderError, for every adapter. Follows OpenAI's error body
 * (`{"error":{"message","type","code","param"}}`), which Anthropic's
 * (`{"type":"error","error":{"type","message"}}`) also fits, and tolerates the variants
 * compatible servers send (`{"error":"text"}`, `{"message"}`, `{"detail"}`, plain text).
 *
 * What reaches the client's error is a quote: the provider's secrets removed first, then cut to
 * MAX_QUOTED_CHARS (in that order, so a cut never leaves half a key behind). Only answers from
 * the vetted URL get here: redirects are refused before any body is read (./http.ts).
 */
import { isRetryableStatus, ProviderError, redactSecrets, retryAfterMs } from "./errors.ts";
import { readBoundedText, snippet } from "./http.ts";
import { upstreamErrorSchema } from "./openai-compatible/wire.ts";
import type { ProviderTarget } from "./types.ts";

const MAX_ERROR_BODY_BYTES = 16 * 1024;

export interface ErrorDetails {
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
    message: `Provider '${target.name}' answered ${response.status}: ${quote(explanation, target)}`,
    status: response.status,
    retryable: isRetryableStatus(response.status),
    type: quoteField(details.type, target),
    code: quoteField(details.code, target),
    param: quoteField(details.param, target),
    retryAfterMs: retryAfterMs(response.headers),
  });
}

function errorDetails(text: string): ErrorDetails {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      message: text.trim() === "" ? null : text,
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
  return { message: text, type: null, code: null, param: null };
}

/** Upstream text as a client may see it: secrets removed, then cut short. */
export function quote(text: string, target: ProviderTarget): string {
  return snippet(redactSecrets(text, secretsOf(target)));
}

/** The short fields (type, code, param) are quoted too, under a tighter bound. */
export function quoteField(value: string | null, target: ProviderTarget): string | null {
  return value === null ? null : snippet(redactSecrets(value, secretsOf(target)), 100);
}

/**
 * What an upstream could echo back that is a credential: the API key and the values of the
 * provider's extra headers (config.headers often carry auth for gateways in front of a model).
 */
function secretsOf(target: ProviderTarget): string[] {
  const secrets = target.apiKey === null ? [] : [target.apiKey];
  const headers: unknown = target.config.headers;
  if (typeof headers === "object" && headers !== null) {
    for (const value of Object.values(headers)) {
      if (typeof value === "string") secrets.push(value);
    }
  }
  return secrets;
}

export function detailsOf(error: string | Record<string, unknown>): ErrorDetails {
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
