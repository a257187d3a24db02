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
  | "model_price_unknown"
  | "rate_limited"
  | "upstream_error"
  | "upstream_timeout"
  | "upstream_unavailable"
  | "service_unavailable"
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
  rate_limited: { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded" },
  upstream_error: { status: 502, type: "api_error", code: "upstream_error" },
  upstream_timeout: { status: 504, type: "api_error", code: "upstream_timeout" },
  upstream_unavailable: { status: 503, type: "api_error", code: "upstream_unavailable" },
  // One of Switchyard's own stores is unreachable: retryable, and SDKs retry 503 by themselves.
  service_unavailable: { status: 503, type: "api_error", code: "service_unavailable" },
  internal: { status: 500, type: "api_error", code: "internal_error" },
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

export function openAIErrorResponse(error: GatewayError, headers: Headers): Response {
  headers.set("content-type", "application/json");
  if (error.options.retryAfterSeconds !== undefined) {
    headers.set("retry-after", String(Math.max(1, Math.ceil(error.options.retryAfterSeconds))));
  }
  for (const [name, value] of Object.entries(error.options.headers ?? {})) headers.set(name, value);
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
