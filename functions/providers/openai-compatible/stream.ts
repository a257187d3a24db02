/**
 * An upstream SSE body → canonical chunks, one at a time as they arrive: the body is decoded
 * and split into events incrementally (eventsource-parser), each event is validated with zod,
 * and nothing is buffered beyond the event being parsed.
 *
 * The upstream is always asked for usage (request.ts); its usage is captured here and re-emitted
 * as the final `choices: []` chunk only when the client asked for it, estimated if missing.
 */
import type { EventSourceMessage } from "eventsource-parser/stream";
import { z } from "zod";
import {
  type ChatCompletionChunk,
  type ChunkChoice,
  type StreamIdentity,
  usageChunk,
} from "../../protocols/openai/chat.ts";
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
import { errorFromStreamEvent } from "./errors.ts";
import { mapFinishReason } from "./finish-reason.ts";
import { isPlainChunk } from "./plain-answer.ts";
import {
  normalizeToolCallDelta,
  normalizeUsage,
  upstreamToolCallDeltaSchema,
  upstreamUsageSchema,
} from "./wire.ts";

export const upstreamChunkSchema = z.looseObject({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().min(0).nullish(),
        delta: z
          .looseObject({
            role: z.string().nullish(),
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z.array(upstreamToolCallDeltaSchema).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
        logprobs: z.unknown().nullish(),
      }),
    )
    .nullish(),
  usage: upstreamUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});

type UpstreamChunk = z.infer<typeof upstreamChunkSchema>;

export function streamChatCompletion(
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
  let identity = context.defaults;
  let lastEventRead = false;
  try {
    while (true) {
      const event = await readOrFail(reader, context);
      if (event === null || state.cancelled || event.data === "[DONE]") break;
      if (event.data.trim() === "") continue;
      const upstream = parseEvent(event, context);
      const reported = normalizeUsage(upstream.usage);
      if (reported) usage.report(reported);
      identity = {
        id: upstream.id || identity.id,
        created: Math.trunc(upstream.created ?? identity.created),
        model: upstream.model || identity.model,
      };
      const chunk = toCanonicalChunk(upstream, identity);
      // Usage-only and empty chunks (e.g. Azure's prompt_filter_results) are not forwarded.
      if (chunk.choices.length === 0) continue;
      usage.observe(chunk);
      yield chunk;
    }
    if (state.cancelled) return;
    lastEventRead = true;
    const final = await usage.finish();
    if (context.request.stream_options?.include_usage === true) {
      yield usageChunk(identity, final.wire);
    }
  } finally {
    // Cancelled, failed or done: settle usage (an estimate of what was generated so far) and
    // release the upstream connection.
    if (!usage.finished) await usage.finish().catch(() => undefined);
    if (lastEventRead) reader.release();
    else await reader.cancel().catch(() => undefined);
  }
}

function parseEvent(event: EventSourceMessage, context: StreamContext): UpstreamChunk {
  const name = context.target.name;
  let json: unknown;
  try {
    json = JSON.parse(event.data);
  } catch {
    throw malformed(name, `an event that is not JSON: ${snippet(event.data)}`);
  }
  // Only an object with an `error` field can be one; checked first, as a failed schema parse on
  // every ordinary chunk cost more than the chunk's own validation.
  if (typeof json === "object" && json !== null && "error" in json) {
    const failure = errorFromStreamEvent(json, context.target);
    if (failure) throw failure;
  }
  if (event.event === "error") throw malformed(name, `an error event: ${snippet(event.data)}`);
  if (isPlainChunk(json)) return json as UpstreamChunk;
  const parsed = upstreamChunkSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "chunk" : "chunk";
    throw malformed(name, `an invalid chunk (${where}: ${issue?.message ?? "invalid"})`);
  }
  return parsed.data;
}

function toCanonicalChunk(upstream: UpstreamChunk, identity: StreamIdentity): ChatCompletionChunk {
  const choices = (upstream.choices ?? []).map((choice, position): ChunkChoice => {
    const { tool_calls: toolCalls, role, ...delta } = choice.delta ?? {};
    const out: ChunkChoice = {
      ...choice,
      index: choice.index ?? position,
      delta: { ...delta },
      finish_reason: mapFinishReason(choice.finish_reason),
    };
    if (role) out.delta.role = "assistant";
    if (toolCalls && toolCalls.length > 0)
      out.delta.tool_calls = toolCalls.map(normalizeToolCallDelta);
    return out;
  });
  const chunk: ChatCompletionChunk = {
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    choices,
  };
  if (upstream.system_fingerprint) chunk.system_fingerprint = upstream.system_fingerprint;
  if (upstream.service_tier) chunk.service_tier = upstream.service_tier;
  return chunk;
}

function malformed(provider: string, what: string): ProviderError {
  return new ProviderError({
    kind: "bad_response",
    message: `Provider '${provider}' sent ${what}.`,
    status: 502,
    retryable: false,
  });
}
