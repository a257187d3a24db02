/**
 * Server-sent events out (WHATWG HTML §9.2, "Server-sent events"): OpenAI chunks as `data:`
 * events, the `data: [DONE]` terminator, and an async iterable turned into a response body.
 *
 * The body is pull-based with a high-water mark of zero: at most one item beyond what the client's
 * connection has taken is requested from the upstream, so a slow client slows the upstream read
 * instead of filling memory. Items already delivered together leave in one write. Cancelling the
 * body (client gone) calls the iterator's `return()`, which closes the upstream connection.
 */

import { concatBytes } from "../bytes.ts";
import type { ChatCompletionChunk } from "../protocols/openai/chat.ts";

const encoder = new TextEncoder();

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/** One event. Multi-line data becomes several `data:` lines, as the SSE format requires. */
export function encodeSseEvent(data: string, event?: string): Uint8Array {
  const head = event === undefined ? "" : `event: ${event}\n`;
  // JSON text, which is every event the gateway writes, never holds a raw line break: one line.
  const lines = LINE_BREAK.test(data)
    ? data
        .split(/\r\n|\r|\n/)
        .map((line) => `data: ${line}`)
        .join("\n")
    : `data: ${data}`;
  return encoder.encode(`${head}${lines}\n\n`);
}

const LINE_BREAK = /[\r\n]/;

export function encodeChunkEvent(chunk: ChatCompletionChunk): Uint8Array {
  // JSON.stringify escapes every line break inside strings, so the text is one `data:` line.
  return encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
}

/** `data: [DONE]`, OpenAI's end-of-stream marker. */
export const SSE_DONE: Uint8Array = encodeSseEvent("[DONE]");

export type StreamEnd =
  | { kind: "done" }
  | { kind: "cancelled"; reason: unknown }
  | { kind: "error"; error: unknown };

export interface SseStreamOptions<T> {
  encode(item: T): Uint8Array;
  /** Sent after the last item (not after an error or a cancel). */
  terminator?: Uint8Array;
  /**
   * Turns a failure of the iterator into a last event (e.g. an OpenAI error body), after which
   * the stream closes normally. Without it the body errors and the connection is cut.
   */
  errorEvent?(error: unknown): Uint8Array;
  /** Called once when the stream ends, however it ends (settle usage here). */
  onEnd?(end: StreamEnd): void;
}

export function toSseStream<T>(
  items: AsyncIterable<T>,
  options: SseStreamOptions<T>,
): ReadableStream<Uint8Array> {
  const iterator = items[Symbol.asyncIterator]();
  let ended = false;
  const end = (result: StreamEnd): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.(result);
  };
  // The item asked for while gathering a batch that was not ready yet; the next pull awaits it.
  let pending: Promise<IteratorResult<T>> | null = null;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const parts: Uint8Array[] = [];
        let next = pending ?? iterator.next();
        pending = null;
        while (true) {
          let result: IteratorResult<T>;
          try {
            result = await next;
          } catch (error) {
            if (!options.errorEvent) {
              if (parts.length > 0) controller.enqueue(concatBytes(parts));
              end({ kind: "error", error });
              controller.error(error);
              return;
            }
            parts.push(options.errorEvent(error));
            controller.enqueue(concatBytes(parts));
            controller.close();
            end({ kind: "error", error });
            return;
          }
          if (result.done) {
            if (options.terminator) parts.push(options.terminator);
            if (parts.length > 0) controller.enqueue(concatBytes(parts));
            controller.close();
            end({ kind: "done" });
            return;
          }
          parts.push(options.encode(result.value));
          if (parts.length >= MAX_BATCH) break;
          // Items the upstream already delivered (one network read holds several events) go out
          // in the same write: every write to the client's socket is a syscall, and on a short
          // answer those cost more than the rest of the relay. An item that is not ready within
          // a few microtasks is left for the next pull, so nothing waits for the network.
          next = iterator.next();
          if (!(await settlesAtOnce(next))) {
            pending = next;
            break;
          }
        }
        controller.enqueue(concatBytes(parts));
      },
      async cancel(reason) {
        try {
          await iterator.return?.();
        } finally {
          end({ kind: "cancelled", reason });
        }
      },
    },
    { highWaterMark: 0 },
  );
}

/** The most events one write carries; a long burst is still written as it comes. */
const MAX_BATCH = 64;
/**
 * How long an already-delivered item may take to come through the iterators stacked on the
 * adapter's (guardrails, cache, protocol translation): each async generator in between costs a
 * few microtasks, none of them waits for I/O.
 */
const READY_TICKS = 48;

/** Whether `promise` settles within READY_TICKS microtasks, i.e. without waiting for I/O. */
async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  // Also marks the rejection as handled: the next pull awaits it and reports it.
  promise.then(mark, mark);
  for (let tick = 0; tick < READY_TICKS && !settled; tick++) await undefined;
  return settled;
}

/** An OpenAI chat stream as an SSE body: one `data:` event per chunk, then `data: [DONE]`. */
export function chatChunksToSse(
  chunks: AsyncIterable<ChatCompletionChunk>,
  options: Omit<SseStreamOptions<ChatCompletionChunk>, "encode" | "terminator"> = {},
): ReadableStream<Uint8Array> {
  return toSseStream(chunks, { ...options, encode: encodeChunkEvent, terminator: SSE_DONE });
}
