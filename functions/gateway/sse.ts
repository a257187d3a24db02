/**
 * Server-sent events out (WHATWG HTML §9.2, "Server-sent events"): OpenAI chunks as `data:`
 * events, the `data: [DONE]` terminator, and an async iterable turned into a response body.
 *
 * The body is pull-based with a high-water mark of zero: the next item is requested from the
 * upstream only when the client's connection has taken the previous one, so a slow client slows
 * the upstream read instead of filling memory. Cancelling the body (client gone) calls the
 * iterator's `return()`, which closes the upstream connection.
 */
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
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}`);
  const head = event === undefined ? "" : `event: ${event}\n`;
  return encoder.encode(`${head}${lines.join("\n")}\n\n`);
}

export function encodeChunkEvent(chunk: ChatCompletionChunk): Uint8Array {
  return encodeSseEvent(JSON.stringify(chunk));
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

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<T>;
        try {
          next = await iterator.next();
        } catch (error) {
          if (!options.errorEvent) {
            end({ kind: "error", error });
            controller.error(error);
            return;
          }
          controller.enqueue(options.errorEvent(error));
          controller.close();
          end({ kind: "error", error });
          return;
        }
        if (next.done) {
          if (options.terminator) controller.enqueue(options.terminator);
          controller.close();
          end({ kind: "done" });
          return;
        }
        controller.enqueue(options.encode(next.value));
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

/** An OpenAI chat stream as an SSE body: one `data:` event per chunk, then `data: [DONE]`. */
export function chatChunksToSse(
  chunks: AsyncIterable<ChatCompletionChunk>,
  options: Omit<SseStreamOptions<ChatCompletionChunk>, "encode" | "terminator"> = {},
): ReadableStream<Uint8Array> {
  return toSseStream(chunks, { ...options, encode: encodeChunkEvent, terminator: SSE_DONE });
}
