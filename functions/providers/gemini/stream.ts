/**
 * A Gemini SSE body → canonical chunks as they arrive: decoded and split into events
 * incrementally (eventsource-parser, as for Anthropic), each event validated (zod) and
 * translated (translate-stream.ts). Nothing is buffered beyond the event at hand.
 *
 * Google's stream has no end marker, so a body that ends before every candidate has a
 * finishReason was cut off and fails like a dropped connection. An `{"error": ...}` event ends
 * the stream with that error. With `stream_options.include_usage`, a final `choices: []` chunk
 * carries the usage (from usageMetadata; estimated only if the stream broke before any came).
 */
import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";
import {
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type StreamIdentity,
  usageChunk,
} from "../../protocols/openai/chat.ts";
import { ProviderError, providerErrorFromFailure } from "../errors.ts";
import { snippet } from "../http.ts";
import { StreamUsage } from "../stream-usage.ts";
import type { CallOptions, ProviderTarget, Usage } from "../types.ts";
import { errorFromStreamError } from "./errors.ts";
import { GeminiStreamTranslator } from "./translate-stream.ts";
import {
  type GenerateContentResponse,
  generateContentResponseSchema,
  googleErrorSchema,
} from "./wire.ts";

export interface StreamContext {
  request: ChatCompletionRequest;
  target: ProviderTarget;
  options: CallOptions;
  defaults: StreamIdentity;
}

export interface ChunkStream {
  chunks: AsyncIterable<ChatCompletionChunk>;
  usage(): Usage;
}

export function streamGenerateContent(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
  context: StreamContext,
): ChunkStream {
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const usage = new StreamUsage(context.request);
  const state = { cancelled: false };
  const generator = readChunks(reader, context, usage, state);
  const iterator: AsyncIterableIterator<ChatCompletionChunk> = {
    next: () => generator.next(),
    // Cancelling the reader first resolves a pending read at once and closes the connection.
    async return() {
      state.cancelled = true;
      await reader.cancel().catch(() => undefined);
      return generator.return(undefined);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return { chunks: iterator, usage: () => usage.current() };
}

async function* readChunks(
  reader: ReadableStreamDefaultReader<EventSourceMessage>,
  context: StreamContext,
  usage: StreamUsage,
  state: { cancelled: boolean },
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const { target, request, options } = context;
  const translator = new GeminiStreamTranslator(
    context.defaults,
    options.requestId,
    request.n ?? 1,
  );
  try {
    while (true) {
      const message = await readEvent(reader, context);
      if (state.cancelled) return;
      if (message === null) break;
      const chunk = parseEvent(message, target);
      const translated = translator.step(chunk);
      const reported = translator.usage();
      if (reported) usage.reportUsage(reported);
      for (const out of translated) {
        usage.observe(out);
        yield out;
      }
    }
    if (!translator.complete()) throw cutOff(target);
    const final = await usage.finish();
    if (request.stream_options?.include_usage === true) {
      yield usageChunk(translator.streamIdentity, final.wire);
    }
  } finally {
    if (!usage.finished) await usage.finish().catch(() => undefined);
    await reader.cancel().catch(() => undefined);
  }
}

async function readEvent(
  reader: ReadableStreamDefaultReader<EventSourceMessage>,
  context: StreamContext,
): Promise<EventSourceMessage | null> {
  try {
    const { done, value } = await reader.read();
    return done ? null : value;
  } catch (error) {
    throw providerErrorFromFailure(error, context.options.signal, context.target.name);
  }
}

function parseEvent(message: EventSourceMessage, target: ProviderTarget): GenerateContentResponse {
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch {
    throw malformed(target.name, `an event that is not JSON: ${snippet(message.data)}`);
  }
  const error = googleErrorSchema.safeParse(json);
  if (error.success) throw errorFromStreamError(error.data.error, target);
  const parsed = generateContentResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "event" : "event";
    throw malformed(target.name, `an invalid chunk (${where}: ${issue?.message ?? "invalid"})`);
  }
  return parsed.data;
}

function malformed(provider: string, what: string): ProviderError {
  return new ProviderError({
    kind: "bad_response",
    message: `Provider '${provider}' sent ${what}.`,
    status: 502,
    retryable: false,
  });
}

function cutOff(target: ProviderTarget): ProviderError {
  return new ProviderError({
    kind: "network",
    message: `The stream from provider '${target.name}' ended before its finishReason.`,
    status: 502,
    retryable: true,
  });
}
