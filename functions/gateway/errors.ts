/**
 * The one place gateway errors become HTTP. Stages throw a GatewayError with a kind; this file
 * owns the status, the OpenAI error body `{"error":{"message","type","code","param"}}` and the
 * headers. Nothing else writes an error response, and no stack trace or internal message ever
 * reaches a client.
 */
export type GatewayErrorKind =
  | "invalid_json"
  | "invalid_request"
  | "body_too_large"
  | "unsupported_media_type"
  | "missing_api_key"
  | "invalid_api_key"
  | "key_revoked"
  | "key_expired"
  | "model_not_allowed"
  | "invalid_grant"
  | "grant_not_held"
  | "grant_revoked"
  | "grant_expired"
  | "model_not_found"
  | "route_not_found"
  | "method_not_allowed"
  | "budget_exceeded"
  | "guardrail_blocked"
  | "model_price_unknown"
  | "rate_limited"
  | "upstream_error"
  | "upstream_timeout"
  | "upstream_unavailable"
  | "service_unavailable"
  | "not_implemented"
  | "internal";

interface KindShape {
  status: number;
  type: string;
  code: string | null;
}

const SHAPES: Record<GatewayErrorKind, KindShape> = {
  invalid_json: { status: 400, type: "invalid_request_error", code: "invalid_json" },
  invalid_request: { status: 400, type: "invalid_request_error", code: "invalid_request" },
  body_too_large: { status: 413, type: "invalid_request_error", code: "request_too_large" },
  unsupported_media_type: {
    status: 415,
    type: "invalid_request_error",
    code: "unsupported_media_type",
  },
  missing_api_key: { status: 401, type: "authentication_error", code: "missing_api_key" },
  invalid_api_key: { status: 401, type: "authentication_error", code: "invalid_api_key" },
  key_revoked: { status: 401, type: "authentication_error", code: "key_revoked" },
  key_expired: { status: 401, type: "authentication_error", code: "key_expired" },
  model_not_allowed: { status: 403, type: "permission_error", code: "model_not_allowed" },
  // Delegation grants (x-switchyard-grant): the key is fine, the borrowed authority is not.
  invalid_grant: { status: 403, type: "permission_error", code: "invalid_grant" },
  grant_not_held: { status: 403, type: "permission_error", code: "grant_not_held" },
  grant_revoked: { status: 403, type: "permission_error", code: "grant_revoked" },
  grant_expired: { status: 403, type: "permission_error", code: "grant_expired" },
  model_not_found: { status: 404, type: "invalid_request_error", code: "model_not_found" },
  route_not_found: { status: 404, type: "invalid_request_error", code: "not_found" },
  method_not_allowed: {
    status: 405,
    type: "invalid_request_error",
    code: "method_not_allowed",
  },
  // 402 rather than 429: SDKs retry 429 automatically, and an exhausted budget will not recover
  // within a retry loop.
  budget_exceeded: { status: 402, type: "insufficient_quota", code: "budget_exceeded" },
  // The model exists but has no price (SWITCHYARD_UNKNOWN_PRICE=refuse): the client can pick
  // another model, an admin can price it; retrying the same request will not help.
  model_price_unknown: {
    status: 400,
    type: "invalid_request_error",
    code: "model_price_unknown",
  },
  // A content guardrail refused the prompt (or the answer): the same request will be refused again.
  guardrail_blocked: { status: 400, type: "invalid_request_error", code: "guardrail_blocked" },
  rate_limited: { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded" },
  upstream_error: { status: 502, type: "api_error", code: "upstream_error" },
  upstream_timeout: { status: 504, type: "api_error", code: "upstream_timeout" },
  upstream_unavailable: { status: 503, type: "api_error", code: "upstream_unavailable" },
  // One of Switchyard's own stores is unreachable: retryable, and SDKs retry 503 by themselves.
  service_unavailable: { status: 503, type: "api_error", code: "service_unavailable" },
  internal: { status: 500, type: "api_error", code: "internal_error" },
  // An endpoint of the contract this build does not serve yet (DESIGN.md: /v1/responses).
  not_implemented: { status: 501, type: "invalid_request_error", code: "not_implemented" },
};

export class GatewayError extends Error {
  override name = "GatewayError";
  readonly status: number;
  readonly type: string;
  readonly code: string | null;

  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    readonly options: {
      param?: string | null;
      retryAfterSeconds?: number;
      headers?: Record<string, string>;
      /** What went wrong inside, for logs; never shown to the client. */
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    const shape = SHAPES[kind];
    this.status = shape.status;
    this.type = shape.type;
    this.code = shape.code;
  }
}

export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("internal", "The gateway hit an unexpected error. Retry the request.");
}

/** How an endpoint shapes its error responses (the frame in ./pipeline.ts calls it). */
export type ErrorResponder = (error: GatewayError, headers: Headers) => Response;

function setErrorHeaders(error: GatewayError, headers: Headers): void {
  headers.set("content-type", "application/json");
  if (error.options.retryAfterSeconds !== undefined) {
    headers.set("retry-after", String(Math.max(1, Math.ceil(error.options.retryAfterSeconds))));
  }
  for (const [name, value] of Object.entries(error.options.headers ?? {})) headers.set(name, value);
}

export function openAIErrorResponse(error: GatewayError, headers: Headers): Response {
  setErrorHeaders(error, headers);
  const body = {
    error: {
      message: error.message,
      type: error.type,
      code: error.code,
      param: error.options.param ?? null,
    },
  };
  return new Response(JSON.stringify(body), { status: error.status, headers });
}

/**
 * Anthropic's error types (https://docs.anthropic.com/en/api/errors), by the status the gateway
 * answers with; the status stays the gateway's own, so an Anthropic SDK retries exactly what an
 * OpenAI SDK would (429 and 5xx), and never an exhausted budget (402).
 */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

/** `{"type":"error","error":{"type","message"}}`: a response body and a stream's error event. */
export function anthropicErrorBody(error: GatewayError, requestId: string | null) {
  return {
    type: "error" as const,
    error: { type: anthropicErrorType(error.status), message: error.message },
    ...(requestId ? { request_id: requestId } : {}),
  };
}

/** The error response of `POST /v1/messages`, with Anthropic's `request-id` header as well. */
export function anthropicErrorResponse(error: GatewayError, headers: Headers): Response {
  setErrorHeaders(error, headers);
  const requestId = headers.get("x-request-id");
  if (requestId) headers.set("request-id", requestId);
  const body = anthropicErrorBody(error, requestId);
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
