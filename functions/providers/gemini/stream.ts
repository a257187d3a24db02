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
import type { EventSourceMessage } from "eventsource-parser/stream";
import { type ChatCompletionChunk, usageChunk } from "../../protocols/openai/chat.ts";
import {
  type ChunkStream,
  cancellableChunkStream,
  type EventReader,
  type ReadState,
  readOrFail,
  type StreamContext,
  sseEvents,
} from "../chunk-stream.ts";
import { ProviderError } from "../errors.ts";
import { snippet } from "../http.ts";
import type { StreamUsage } from "../stream-usage.ts";
import type { ProviderTarget } from "../types.ts";
import { errorFromStreamError } from "./errors.ts";
import { GeminiStreamTranslator } from "./translate-stream.ts";
import {
  type GenerateContentResponse,
  generateContentResponseSchema,
  googleErrorSchema,
} from "./wire.ts";

export function streamGenerateContent(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
  context: StreamContext,
): ChunkStream {
  const reader = sseEvents(body);
  return cancellableChunkStream(reader, context, (usage, state) =>
    readChunks(reader, context, usage, state),
  );
}

async function* readChunks(
  reader: EventReader,
  context: StreamContext,
  usage: StreamUsage,
  state: ReadState,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const { target, request, options } = context;
  const translator = new GeminiStreamTranslator(
    context.defaults,
    options.requestId,
    request.n ?? 1,
  );
  try {
    while (true) {
      const message = await readOrFail(reader, context);
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
