/**
 * Anthropic in → Anthropic out: the client's Messages request sent as it came, with only the model
 * (the deployment's) and the auth (the provider's key) rewritten, and Anthropic's answer handed
 * back byte for byte, JSON or SSE. Usage is read on the side for billing: the JSON's `usage`, or
 * the stream's message_start / message_delta usage, parsed from a copy of the bytes as they pass.
 *
 * Headers: the client's `anthropic-version` (its body is written in that version) and
 * `anthropic-beta` (merged with the provider's configured one) are forwarded; nothing else.
 * Non-2xx answers fail as ProviderErrors like the translated path, so fallback and health work
 * alike and the client gets Anthropic's message in Anthropic's error shape.
 */
import { createParser } from "eventsource-parser";
import { ProviderError, providerErrorFromFailure } from "../errors.ts";
import {
  readText,
  sendUpstream,
  streamBodyOf,
  trimBaseUrl,
  type UpstreamRequest,
} from "../http.ts";
import { StreamUsage } from "../stream-usage.ts";
import { estimateUsage } from "../tokens.ts";
import type {
  CallOptions,
  NativeOutcome,
  NativePassthrough,
  NativeRequest,
  ProviderTarget,
} from "../types.ts";
import { errorFromResponse } from "../upstream-error.ts";
import { DEFAULT_ANTHROPIC_BASE_URL, messagesHeaders } from "./request.ts";
import { parseMessage } from "./response.ts";
import { type AnthropicTokenCounts, mergeUsage, NO_TOKENS, toUsage } from "./usage.ts";
import { anthropicUsageSchema } from "./wire.ts";

export const anthropicPassthrough: NativePassthrough = {
  protocol: "anthropic-messages",
  async send(request, target, options): Promise<NativeOutcome> {
    const upstream = buildNativeRequest(request, target);
    const response = await sendUpstream(upstream, options, target.name);
    if (!response.ok) throw await errorFromResponse(response, target);
    if (request.body.stream === true) {
      const body = await streamBodyOf(response, target, options, (type) =>
        type.includes("text/event-stream"),
      );
      const contentType = response.headers.get("content-type") ?? "text/event-stream";
      return {
        kind: "stream",
        native: true,
        contentType,
        ...relay(body, request, target, options),
      };
    }
    const text = await readText(response, options, target.name);
    const contentType = response.headers.get("content-type") ?? "application/json";
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    const usageOf = anthropicUsageSchema.safeParse(
      typeof json === "object" && json !== null ? Reflect.get(json, "usage") : undefined,
    );
    const usage =
      usageOf.success && usageOf.data
        ? toUsage(mergeUsage(NO_TOKENS, usageOf.data))
        : await estimateUsage(request.chat, "");
    return {
      kind: "complete",
      native: true,
      body: text,
      contentType,
      usage,
      completion: canonical(json, target),
    };
  },
};

/** The upstream request: the translated path's headers and URL, the client's body. */
export function buildNativeRequest(
  request: NativeRequest,
  target: ProviderTarget,
): UpstreamRequest {
  const headers = messagesHeaders(target, request.body.stream === true);
  const version = request.headers["anthropic-version"];
  if (version) headers["anthropic-version"] = version;
  const beta = [headers["anthropic-beta"], request.headers["anthropic-beta"]].filter(Boolean);
  if (beta.length > 0) headers["anthropic-beta"] = beta.join(",");
  return {
    method: "POST",
    baseUrl: trimBaseUrl(target.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL),
    path: "/v1/messages",
    headers,
    body: JSON.stringify({ ...request.body, model: target.model }),
  };
}

/** The answer as a ChatCompletion for the response cache; null when it does not parse. */
function canonical(json: unknown, target: ProviderTarget) {
  try {
    const defaults = { id: "msg", created: Math.floor(Date.now() / 1000), model: target.model };
    return parseMessage(json, defaults, target.name).response;
  } catch {
    return null;
  }
}

/**
 * The SSE bytes, unchanged and unbuffered, while a parser reads the usage events from them. The
 * stream must reach message_stop: a body that ends before it was cut off and fails like a dropped
 * connection, so the client gets an error event rather than a silently short answer.
 */
function relay(
  body: ReadableStream<Uint8Array>,
  request: NativeRequest,
  target: ProviderTarget,
  options: CallOptions,
): { chunks: AsyncIterable<Uint8Array>; usage: () => ReturnType<StreamUsage["current"]> } {
  const usage = new StreamUsage(request.chat);
  let counts: AnthropicTokenCounts = NO_TOKENS;
  let stopped = false;
  const parser = createParser({
    onEvent(event) {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return; // Not ours to judge: the client's SDK reads the bytes.
      }
      const type = typeof data === "object" && data !== null ? Reflect.get(data, "type") : null;
      // An `error` event ends the stream too; the client reads it from the bytes relayed.
      if (type === "message_stop" || type === "error") stopped = true;
      const raw =
        type === "message_start"
          ? Reflect.get(Reflect.get(data as object, "message") ?? {}, "usage")
          : type === "message_delta"
            ? Reflect.get(data as object, "usage")
            : undefined;
      const parsed = anthropicUsageSchema.safeParse(raw);
      if (raw !== undefined && parsed.success) {
        counts = mergeUsage(counts, parsed.data);
        usage.reportUsage(toUsage(counts));
      }
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  async function* read(): AsyncGenerator<Uint8Array> {
    try {
      while (true) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (error) {
          throw providerErrorFromFailure(error, options.signal, target.name);
        }
        if (step.done) break;
        parser.feed(decoder.decode(step.value, { stream: true }));
        yield step.value;
      }
      if (!stopped) {
        throw new ProviderError({
          kind: "network",
          message: `The stream from provider '${target.name}' ended before message_stop.`,
          status: 502,
          retryable: true,
        });
      }
    } finally {
      await usage.finish().catch(() => undefined);
      await reader.cancel().catch(() => undefined);
    }
  }
  const generator = read();
  const chunks: AsyncIterableIterator<Uint8Array> = {
    next: () => generator.next(),
    // Cancelling the reader first resolves a pending read at once and closes the connection.
    async return() {
      await reader.cancel().catch(() => undefined);
      return generator.return(undefined);
    },
    [Symbol.asyncIterator]() {
      return chunks;
    },
  };
  return { chunks, usage: () => usage.current() };
}
