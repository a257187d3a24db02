/**
 * Request headers the gateway understands besides auth (DESIGN.md): `x-switchyard-trace-id` and
 * `x-switchyard-metadata` (a JSON object), both stored with the usage record.
 *
 * Both end up in Postgres, so they are checked here rather than discovered there: bounded, and
 * free of what a text or jsonb column refuses or a log line should not carry. No control
 * characters (U+0000–U+001F, U+007F–U+009F) in the trace id or in any key or string of the
 * metadata, at any depth, and no unpaired UTF-16 surrogates (jsonb refuses `\ud800` as it refuses
 * `\u0000`). A header that breaks a rule is a 400 naming the header; nothing is silently cut.
 */
import { GatewayError } from "../errors.ts";

const MAX_METADATA_BYTES = 4096;
const MAX_TRACE_ID_CHARS = 200;
/** With the `u` flag, \p{Cs} matches only unpaired surrogates: a pair is one code point. */
const UNSTORABLE = /[\p{Cc}\p{Cs}]/u;

export interface CallerAnnotations {
  traceId: string | null;
  metadata: Record<string, unknown>;
}

export function readAnnotations(headers: Headers): CallerAnnotations {
  return { traceId: readTraceId(headers), metadata: readMetadata(headers) };
}

function readTraceId(headers: Headers): string | null {
  const raw = headers.get("x-switchyard-trace-id")?.trim();
  if (!raw) return null;
  if (raw.length > MAX_TRACE_ID_CHARS) {
    throw invalidHeader(`x-switchyard-trace-id is longer than ${MAX_TRACE_ID_CHARS} characters.`);
  }
  if (UNSTORABLE.test(raw)) {
    throw invalidHeader("x-switchyard-trace-id must not contain control characters.");
  }
  return raw;
}

function readMetadata(headers: Headers): Record<string, unknown> {
  const raw = headers.get("x-switchyard-metadata");
  if (!raw) return {};
  if (raw.length > MAX_METADATA_BYTES) {
    throw invalidHeader("x-switchyard-metadata is larger than 4 KiB.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidHeader("x-switchyard-metadata must be a JSON object.");
  }
  if (!isPlainObject(parsed)) {
    throw invalidHeader("x-switchyard-metadata must be a JSON object.");
  }
  if (!isStorable(parsed)) {
    throw invalidHeader(
      "x-switchyard-metadata must not contain control characters (such as \\u0000) or unpaired surrogates in its keys or strings.",
    );
  }
  return parsed;
}

/** Every key and string, at any depth; iterative, so nesting cannot overflow the stack. */
function isStorable(root: Record<string, unknown>): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") {
      if (UNSTORABLE.test(value)) return false;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (isPlainObject(value)) {
      for (const [key, inner] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return false;
        pending.push(inner);
      }
    }
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidHeader(message: string): GatewayError {
  return new GatewayError("invalid_request", message);
}
