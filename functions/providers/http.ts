/** The one place adapters do HTTP: send a request, read a bounded body, classify failures. */
import { ProviderError, providerErrorFromFailure } from "./errors.ts";
import type { CallOptions, ProviderTarget } from "./types.ts";

/**
 * One HTTP request to a provider, built by its adapter (pure) and sent by sendUpstream. The body
 * is not always JSON text: a signing adapter (Bedrock's SigV4) needs the exact bytes it signed.
 */
export interface UpstreamRequest {
  method: "POST" | "GET";
  /** The provider's API root, without a trailing slash. */
  baseUrl: string;
  /** Path and query appended to baseUrl: `/chat/completions`, `/v1/messages`, `...?api-version=`. */
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array<ArrayBuffer> | null;
}

/** Where the request goes. */
export function upstreamUrl(request: UpstreamRequest): string {
  return `${request.baseUrl}${request.path}`;
}

/** A base URL as adapters join paths to it: trimmed, trailing slashes removed. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, "");
}

/**
 * Sends the request through the call's fetch, which is the gateway's one guarded fetch
 * (security/upstream-fetch.ts: SSRF checks, no redirects); adapters never call fetch themselves.
 * A rejected fetch becomes a timeout, abort or network ProviderError.
 *
 * Redirects are never followed: the SSRF guard vetted this URL, not wherever an upstream points
 * next, and a followed redirect would carry the provider's headers (config.headers, which are
 * credentials) and the request body to that place. A 3xx answer is an upstream error instead.
 */
export async function sendUpstream(
  request: UpstreamRequest,
  options: CallOptions,
  provider: string,
): Promise<Response> {
  const url = upstreamUrl(request);
  let response: Response;
  try {
    response = await options.fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: options.signal,
      redirect: "manual",
    });
  } catch (error) {
    throw providerErrorFromFailure(error, options.signal, provider);
  }
  if (isRedirect(response)) throw redirectRefused(response, url, provider);
  return response;
}

/** Node, Bun and Deno hand back the 3xx itself; a browser-like fetch an opaque redirect. */
function isRedirect(response: Response): boolean {
  return response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400);
}

/**
 * A redirect as a ProviderError. Its body is not read, let alone quoted; the message names only
 * the origin it pointed at, which is what an operator needs to correct the base URL (the common
 * case is http:// redirected to https://). Retryable, so the next deployment is tried: the
 * router never calls the same deployment twice, and another deployment may well answer.
 */
function redirectRefused(response: Response, requestUrl: string, provider: string): ProviderError {
  response.body?.cancel().catch(() => undefined);
  const target = locationOrigin(response.headers.get("location"), requestUrl);
  const status = response.status === 0 ? "a redirect" : `${response.status}`;
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${provider}' answered ${status}${target ? ` to ${target}` : ""}; redirects are not followed, so the provider's base URL must name the final address.`,
    status: response.status === 0 ? 502 : response.status,
    retryable: true,
  });
}

function locationOrigin(location: string | null, base: string): string | null {
  if (location === null) return null;
  try {
    const origin = new URL(location, base).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** The whole body as text; a failure while reading is classified like a failed fetch. */
export async function readText(
  response: Response,
  options: CallOptions,
  provider: string,
): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw providerErrorFromFailure(error, options.signal, provider);
  }
}

/**
 * At most `maxBytes` of the body, then the rest is cancelled: an error page can be large and we
 * only quote its message. Never throws; an unreadable body reads as "".
 */
export async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  const body = response.body;
  if (body === null) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let received = 0;
  try {
    while (received < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = value.subarray(0, maxBytes - received);
      received += part.byteLength;
      text += decoder.decode(part, { stream: true });
    }
    return text + decoder.decode();
  } catch {
    return text;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** JSON.parse that reports a non-JSON answer as a bad_response ProviderError. */
export function parseJsonBody(text: string, provider: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError({
      kind: "bad_response",
      message: `Provider '${provider}' answered with a body that is not JSON: ${snippet(text)}`,
      status: 502,
      retryable: false,
    });
  }
}

/**
 * The most of an upstream's text a client error quotes: enough for any real explanation (OpenAI's
 * longest run to about 250 characters), not enough to relay a page of whatever answered.
 */
export const MAX_QUOTED_CHARS = 300;

/** A short quote of upstream text for error messages: whitespace flattened, cut to `max`. */
export function snippet(text: string, max = MAX_QUOTED_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/**
 * The body of an answer to a streaming request, when `isStream` recognises its content type;
 * otherwise the provider answered without a stream, which is its fault (502, not retried).
 */
export async function streamBodyOf(
  response: Response,
  target: ProviderTarget,
  options: CallOptions,
  isStream: (contentType: string) => boolean,
): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
  const type = response.headers.get("content-type") ?? "";
  if (response.body !== null && isStream(type)) return response.body;
  const text = response.body === null ? "" : await readText(response, options, target.name);
  throw new ProviderError({
    kind: "bad_response",
    message: `Provider '${target.name}' answered a streaming request without a stream: ${snippet(text) || "empty body"}`,
    status: 502,
    retryable: false,
  });
}
