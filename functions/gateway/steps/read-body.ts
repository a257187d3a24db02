/**
 * Stage 1a: read the body within the size limit and parse it as JSON. The limit is enforced while
 * reading, so a client that lies in Content-Length (or sends none) still cannot make us buffer more.
 *
 * Only JSON is accepted: `application/json` or any `application/*+json`, with any parameters. A
 * request without a Content-Type is read as JSON too (this endpoint speaks nothing else, and
 * hand-written clients often omit it); any other declared type, `text/plain` and the
 * `application/x-www-form-urlencoded` that `curl -d` sends by default included, is a 415 whose
 * message says which header to send.
 *
 * Nesting is bounded before parsing: deeply nested JSON (a `tools[].function.parameters` 100,000
 * levels deep) would overflow the stack of every recursive walk after the parser.
 */

import { concatBytes } from "../../bytes.ts";
import { GatewayError } from "../errors.ts";

/**
 * Where a runtime entry can hand the body over as bytes without a web stream (Node: straight from
 * the IncomingMessage, see ../../runtimes/node-server.ts), it attaches a reader under this key;
 * elsewhere (Bun, Deno, Vercel, tests calling app.fetch) the body is read from request.body. The
 * reader enforces the limit while reading and resolves null as soon as the body passes it.
 */
export const READ_BODY_BYTES = Symbol.for("switchyard.readBodyBytes");

export interface BodyBytesSource {
  [READ_BODY_BYTES]?: (maxBytes: number) => Promise<Uint8Array | null>;
}

/** Far beyond any real request (OpenAI allows 10 levels in a structured-output schema). */
export const MAX_JSON_DEPTH = 100;

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  assertJsonContentType(request.headers.get("content-type"));
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const readBytes = (request as BodyBytesSource)[READ_BODY_BYTES];
  const bytes = readBytes ? await readBytes(maxBytes) : await readStream(request, maxBytes);
  if (bytes === null) throw tooLarge(maxBytes);
  const text = decoder.decode(bytes);
  if (text.trim() === "")
    throw new GatewayError("invalid_json", "The request body is empty; send JSON.");
  if (nestingExceeds(text, MAX_JSON_DEPTH)) {
    throw new GatewayError(
      "invalid_request",
      `The JSON body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError(
      "invalid_json",
      "We could not parse the JSON body of your request. Check that it is valid JSON.",
    );
  }
}

const decoder = new TextDecoder();

/** The portable read: request.body chunk by chunk; null (and the rest cancelled) past the limit. */
async function readStream(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  if (!request.body)
    throw new GatewayError("invalid_json", "The request body is empty; send JSON.");
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    parts.push(value);
  }
  return concatBytes(parts);
}

function assertJsonContentType(header: string | null): void {
  const mediaType = (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "" || mediaType === "application/json") return;
  if (mediaType.startsWith("application/") && mediaType.endsWith("+json")) return;
  const shown = mediaType.length > 100 ? `${mediaType.slice(0, 97)}...` : mediaType;
  throw new GatewayError(
    "unsupported_media_type",
    `The request body must be JSON, sent with 'Content-Type: application/json' (got '${shown}').`,
  );
}

/**
 * Whether arrays and objects in JSON text nest deeper than `limit`, by counting brackets outside
 * strings: linear, no recursion, and it stops at the first bracket too deep. Text that is not
 * JSON may be miscounted; the parser refuses it right after.
 */
export function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === BACKSLASH) index++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth--;
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "body_too_large",
    `The request body is larger than the limit of ${maxBytes} bytes.`,
  );
}
