/** `req_` + 32 hex chars: unique per request, safe to log, echoed as `x-request-id`. */
export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll("-", "")}`;
}
