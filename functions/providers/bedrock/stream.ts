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
import { errorFromStreamException } from "./errors.ts";
import {
  EventStreamFramingError,
  type EventStreamMessage,
  eventStreamMessages,
} from "./event-stream.ts";
import { ConverseStreamTranslator } from "./translate-stream.ts";
import { type ConverseStreamEvent, isStreamEventType, STREAM_EVENT_SCHEMAS } from "./wire.ts";

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

export function streamConverse(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
  context: StreamContext,
): ChunkStream {
  const reader = body.getReader();
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
  reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>,
  context: StreamContext,
  usage: StreamUsage,
  state: { cancelled: boolean },
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
