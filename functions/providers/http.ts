/** The one place adapters do HTTP: send a request, read a bounded body, classify failures. */
import { ProviderError, providerErrorFromFailure } from "./errors.ts";
import type { CallOptions } from "./types.ts";

export interface UpstreamRequest {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: string;
}

/** Sends the request; a rejected fetch becomes a timeout, abort or network ProviderError. */
export async function sendUpstream(
  request: UpstreamRequest,
  options: CallOptions,
  provider: string,
): Promise<Response> {
  try {
    return await options.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: options.signal,
    });
  } catch (error) {
    throw providerErrorFromFailure(error, options.signal, provider);
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

/** A short quote of upstream text for error messages. */
export function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
