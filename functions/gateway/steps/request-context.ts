/**
 * Request headers the gateway understands besides auth (DESIGN.md): `x-switchyard-trace-id` and
 * `x-switchyard-metadata` (a JSON object), both stored with the usage record.
 */
import { GatewayError } from "../errors.ts";

const MAX_METADATA_BYTES = 4096;

export interface CallerAnnotations {
  traceId: string | null;
  metadata: Record<string, unknown>;
}

export function readAnnotations(headers: Headers): CallerAnnotations {
  const traceId = headers.get("x-switchyard-trace-id")?.trim().slice(0, 200) || null;
  const raw = headers.get("x-switchyard-metadata");
  if (!raw) return { traceId, metadata: {} };
  if (raw.length > MAX_METADATA_BYTES) {
    throw new GatewayError("invalid_request", "x-switchyard-metadata is larger than 4 KiB.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new GatewayError("invalid_request", "x-switchyard-metadata must be a JSON object.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError("invalid_request", "x-switchyard-metadata must be a JSON object.");
  }
  return { traceId, metadata: parsed as Record<string, unknown> };
}
