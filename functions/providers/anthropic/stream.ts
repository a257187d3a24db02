/**
 * An Anthropic SSE body → canonical chunks as they arrive: decoded and split into events
 * incrementally (eventsource-parser), each event validated (zod) and translated
 * (translate-stream.ts). Nothing is buffered beyond the event at hand.
 *
 * The stream must end with message_stop; a body that ends before it was cut off, and fails like
 * a dropped connection. With `stream_options.include_usage`, a final `choices: []` chunk carries
 * the usage (Anthropic always reports it; estimated only if the stream broke before it did).
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
import { jsonToolName } from "./json-output.ts";
import { AnthropicStreamTranslator } from "./translate-stream.ts";
import { type AnthropicStreamEvent, KNOWN_EVENT_TYPES, streamEventSchema } from "./wire.ts";

export function streamMessages(
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
  const translator = new AnthropicStreamTranslator(context.defaults, jsonToolName(context.request));
  const { target } = context;
  let lastEventRead = false;
  try {
    let finished = false;
    while (!finished) {
      const message = await readOrFail(reader, context);
      if (state.cancelled) return;
      if (message === null) throw cutOff(target);
      const event = parseEvent(message, target);
      if (event === null) continue;
      const step = translator.step(event);
      const reported = translator.usage();
      if (reported) usage.reportUsage(reported);
      if (step.kind === "error") throw errorFromStreamError(step.error, target);
      if (step.kind === "done") {
        finished = true;
        continue;
      }
      for (const chunk of step.chunks) {
        usage.observe(chunk);
        yield chunk;
      }
    }
    lastEventRead = true;
    const final = await usage.finish();
    if (context.request.stream_options?.include_usage === true) {
      yield usageChunk(translator.streamIdentity, final.wire);
    }
  } finally {
    if (!usage.finished) await usage.finish().catch(() => undefined);
    if (lastEventRead) reader.release();
    else await reader.cancel().catch(() => undefined);
  }
}

/** The event, or null for one to skip (an event type Anthropic added after this adapter). */
function parseEvent(
  message: EventSourceMessage,
  target: ProviderTarget,
): AnthropicStreamEvent | null {
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch {
    throw malformed(target.name, `an event that is not JSON: ${snippet(message.data)}`);
  }
  const type = typeof json === "object" && json !== null ? Reflect.get(json, "type") : undefined;
  if (typeof type === "string" && !KNOWN_EVENT_TYPES.has(type)) return null;
  const parsed = streamEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "event" : "event";
    throw malformed(
      target.name,
      `an invalid ${String(type ?? "")} event (${where}: ${issue?.message ?? "invalid"})`,
    );
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
    message: `The stream from provider '${target.name}' ended before message_stop.`,
    status: 502,
    retryable: true,
  });
}
