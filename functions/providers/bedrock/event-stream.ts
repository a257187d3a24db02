/**
 * The `application/vnd.amazon.eventstream` framing ConverseStream answers in
 * (https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream):
 * each message is a prelude (total and header lengths, CRC32), typed headers, a payload and a
 * CRC32 of the whole. Split and verified with the AWS SDK's own codec (`@smithy/core`'s
 * event-streams: getChunkedStream reassembles messages across reads, EventStreamCodec checks both
 * CRCs and parses the headers), one message at a time, never the whole body.
 */
import { EventStreamCodec, getChunkedStream } from "@smithy/core/event-streams";

export interface EventStreamMessage {
  /** `:message-type`: event, exception or error. */
  messageType: string;
  /** `:event-type`, `:exception-type` or `:error-code`, by message type. */
  name: string;
  /** The payload as text (JSON for events and exceptions); for errors, `:error-message`. */
  payload: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const codec = new EventStreamCodec(
  (bytes) => decoder.decode(bytes),
  (text) => encoder.encode(text),
);

/** Thrown for bytes that are not a valid event-stream message (bad CRC, truncated frame). */
export class EventStreamFramingError extends Error {
  override name = "EventStreamFramingError";
}

/** The body's messages as they complete; a read failure is rethrown as it came. */
export async function* eventStreamMessages(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<EventStreamMessage, void, undefined> {
  const reads = {
    async *[Symbol.asyncIterator]() {
      while (true) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    },
  };
  const frames = getChunkedStream(reads)[Symbol.asyncIterator]();
  while (true) {
    let frame: IteratorResult<Uint8Array>;
    try {
      frame = await frames.next();
    } catch (error) {
      // getChunkedStream's own failure ("Truncated event message received.") is framing;
      // anything else came from the read and keeps its identity (abort, network).
      if (error instanceof Error && error.message.startsWith("Truncated event message")) {
        throw new EventStreamFramingError(error.message);
      }
      throw error;
    }
    if (frame.done) return;
    yield decodeFrame(frame.value);
  }
}

function decodeFrame(frame: Uint8Array): EventStreamMessage {
  let message: ReturnType<EventStreamCodec["decode"]>;
  try {
    message = codec.decode(frame);
  } catch (error) {
    throw new EventStreamFramingError(error instanceof Error ? error.message : String(error));
  }
  const header = (name: string): string => {
    const value = message.headers[name];
    return value?.type === "string" ? value.value : "";
  };
  const messageType = header(":message-type");
  if (messageType === "error") {
    return { messageType, name: header(":error-code"), payload: header(":error-message") };
  }
  const name = messageType === "exception" ? header(":exception-type") : header(":event-type");
  return { messageType, name, payload: decoder.decode(message.body) };
}
