/**
 * A ConverseStream body → canonical chunks as they arrive: binary event-stream messages decoded
 * one at a time (event-stream.ts), each event's payload validated (zod) and translated
 * (translate-stream.ts). Exception messages end the stream with a ProviderError.
 *
 * The answer is complete at messageStop; the metadata event (usage) follows it. A body that ends
 * before messageStop was cut off and fails like a dropped connection. With
 * `stream_options.include_usage`, a final `choices: []` chunk carries the usage (estimated only
 * when Bedrock sent no metadata).
 */
import { type ChatCompletionChunk, usageChunk } from "../../protocols/openai/chat.ts";
import {
  type ChunkStream,
  cancellableChunkStream,
  type ReadState,
  type StreamContext,
} from "../chunk-stream.ts";
import { ProviderError, providerErrorFromFailure } from "../errors.ts";
import { snippet } from "../http.ts";
import type { StreamUsage } from "../stream-usage.ts";
import type { ProviderTarget } from "../types.ts";
import { errorFromStreamException } from "./errors.ts";
import {
  EventStreamFramingError,
  type EventStreamMessage,
  eventStreamMessages,
} from "./event-stream.ts";
import { ConverseStreamTranslator } from "./translate-stream.ts";
import { type ConverseStreamEvent, isStreamEventType, STREAM_EVENT_SCHEMAS } from "./wire.ts";

export function streamConverse(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
  context: StreamContext,
): ChunkStream {
  const reader = body.getReader();
  return cancellableChunkStream(reader, context, (usage, state) =>
    readChunks(reader, context, usage, state),
  );
}

async function* readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>,
  context: StreamContext,
  usage: StreamUsage,
  state: ReadState,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const translator = new ConverseStreamTranslator(context.defaults);
  const { target } = context;
  const messages = eventStreamMessages(reader);
  try {
    while (true) {
      const message = await nextMessage(messages, context);
      if (state.cancelled) return;
      if (message === null) break;
      const event = parseEvent(message, target);
      if (event === null) continue;
      for (const chunk of translator.step(event)) {
        usage.observe(chunk);
        yield chunk;
      }
      const reported = translator.usage();
      if (reported) usage.reportUsage(reported);
    }
    if (!translator.complete) throw cutOff(target);
    const final = await usage.finish();
    if (context.request.stream_options?.include_usage === true) {
      yield usageChunk(translator.streamIdentity, final.wire);
    }
  } finally {
    if (!usage.finished) await usage.finish().catch(() => undefined);
    await reader.cancel().catch(() => undefined);
  }
}

async function nextMessage(
  messages: AsyncGenerator<EventStreamMessage, void, undefined>,
  context: StreamContext,
): Promise<EventStreamMessage | null> {
  try {
    const { done, value } = await messages.next();
    return done ? null : value;
  } catch (error) {
    if (error instanceof EventStreamFramingError) {
      throw malformed(context.target.name, `an invalid event-stream message (${error.message})`);
    }
    throw providerErrorFromFailure(error, context.options.signal, context.target.name);
  }
}

/** The event, or null for one to skip (an event type AWS added after this adapter). */
function parseEvent(
  message: EventStreamMessage,
  target: ProviderTarget,
): ConverseStreamEvent | null {
  if (message.messageType === "exception" || message.messageType === "error") {
    throw errorFromStreamException(message.name, message.payload, target);
  }
  if (message.messageType !== "event" || !isStreamEventType(message.name)) return null;
  let json: unknown;
  try {
    json = JSON.parse(message.payload);
  } catch {
    throw malformed(
      target.name,
      `a ${message.name} event that is not JSON: ${snippet(message.payload)}`,
    );
  }
  const type = message.name;
  const parsed = STREAM_EVENT_SCHEMAS[type].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "event" : "event";
    throw malformed(
      target.name,
      `an invalid ${type} event (${where}: ${issue?.message ?? "invalid"})`,
    );
  }
  // The schema table is keyed by type, so the payload matches it.
  return { type, payload: parsed.data } as ConverseStreamEvent;
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
    message: `The stream from provider '${target.name}' ended before messageStop.`,
    status: 502,
    retryable: true,
  });
}
