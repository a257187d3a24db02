/**
 * What every streaming adapter shares around its own translation: the context it reads with, the
 * SSE event reader, a read that turns a broken connection into a ProviderError, and the
 * cancellable iterator the gateway consumes. Each adapter's stream.ts keeps only its generator
 * (events → canonical chunks).
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
  StreamIdentity,
} from "../protocols/openai/chat.ts";
import { providerErrorFromFailure } from "./errors.ts";
import { StreamUsage } from "./stream-usage.ts";
import type { CallOptions, ProviderTarget, Usage } from "./types.ts";

export interface StreamContext {
  request: ChatCompletionRequest;
  target: ProviderTarget;
  options: CallOptions;
  /** id / created / model for chunks that lack them. */
  defaults: StreamIdentity;
}

export interface ChunkStream {
  chunks: AsyncIterable<ChatCompletionChunk>;
  usage(): Usage;
}

/** Set once the consumer has left, so the generator stops instead of translating more. */
export interface ReadState {
  cancelled: boolean;
}

/** An SSE body as parsed events: the next event, or the end; cancel() closes the body. */
export interface EventReader {
  read(): Promise<ReadableStreamReadResult<EventSourceMessage>>;
  cancel(): Promise<void>;
  /**
   * The stream's last event has been read ([DONE], message_stop): what is left of the body is
   * its end, usually already arrived. Reading it out, in the background, lets the connection go
   * back to the pool, where cancel() would close it (and on Node build an abort error per call).
   * Bounded: more than DRAIN_MAX_BYTES, or no end within DRAIN_MAX_MS, and the body is cancelled.
   */
  release(): void;
}

export const DRAIN_MAX_BYTES = 64 * 1024;
export const DRAIN_MAX_MS = 5_000;

/**
 * An SSE body as parsed events, decoded incrementally (eventsource-parser). Read straight from
 * the body's reader with one decoder and one parser per stream, not through a TextDecoderStream
 * and an EventSourceParserStream: each of those is a TransformStream whose every chunk costs a
 * write, a read and several promises, which a profile under load put ahead of the parsing itself.
 * The events of one network read are queued and handed out without another read. Like the
 * parser stream, an event without its closing blank line at the end of the body is dropped.
 */
export function sseEvents(body: ReadableStream<Uint8Array<ArrayBuffer>>): EventReader {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let queue: EventSourceMessage[] = [];
  let head = 0;
  let ended = false;
  const parser = createParser({
    onEvent(event) {
      queue.push(event);
    },
  });
  return {
    async read() {
      while (head === queue.length) {
        if (ended) return { done: true, value: undefined };
        queue = [];
        head = 0;
        const { done, value } = await reader.read();
        if (done) {
          ended = true;
          parser.feed(decoder.decode());
        } else parser.feed(decoder.decode(value, { stream: true }));
      }
      const event = queue[head++] as EventSourceMessage;
      return { done: false, value: event };
    },
    cancel: () => reader.cancel(),
    release() {
      if (!ended) void drain(reader);
    },
  };
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>): Promise<void> {
  const cancel = () => reader.cancel().catch(() => undefined);
  const timer = setTimeout(cancel, DRAIN_MAX_MS);
  // A pending drain must not keep a process that is shutting down alive.
  (timer as { unref?: () => void }).unref?.();
  try {
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      bytes += value.byteLength;
      if (bytes > DRAIN_MAX_BYTES) return void (await cancel());
    }
  } catch {
    // The body failed or was cancelled by the timer: there is no connection left to keep.
  } finally {
    clearTimeout(timer);
  }
}

/** The next item, or null at the end; a failed read becomes the provider's error. */
export async function readOrFail<T>(
  reader: { read(): Promise<ReadableStreamReadResult<T>> },
  context: StreamContext,
): Promise<T | null> {
  try {
    const { done, value } = await reader.read();
    return done ? null : value;
  } catch (error) {
    throw providerErrorFromFailure(error, context.options.signal, context.target.name);
  }
}

/**
 * The adapter's generator as the gateway's chunk stream. A generator's return() waits for a
 * pending next(), i.e. for the upstream's next byte; cancelling the reader first resolves that
 * read at once and closes the connection.
 */
export function cancellableChunkStream(
  reader: { cancel(): Promise<void> },
  context: StreamContext,
  read: (
    usage: StreamUsage,
    state: ReadState,
  ) => AsyncGenerator<ChatCompletionChunk, void, undefined>,
): ChunkStream {
  const usage = new StreamUsage(context.request);
  const state: ReadState = { cancelled: false };
  const generator = read(usage, state);
  const iterator: AsyncIterableIterator<ChatCompletionChunk> = {
    next: () => generator.next(),
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
