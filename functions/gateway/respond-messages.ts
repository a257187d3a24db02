/**
 * Stage 8b for `POST /v1/messages`: the canonical answer translated into an Anthropic Message,
 * JSON or the full SSE event sequence, with the same Switchyard headers as Chat Completions
 * (./respond.ts). A stream is translated chunk by chunk as the client reads it, settles the call
 * when it ends, and ends with an Anthropic `error` event if the upstream fails mid-way.
 */
import type { CachedAnswer } from "../cache/cached-answers.ts";
import { replayChunks } from "../cache/replay.ts";
import { toMessageEvents } from "../protocols/anthropic/from-chat-chunks.ts";
import { toMessage } from "../protocols/anthropic/from-chat-completion.ts";
import type { MessagesRequest } from "../protocols/anthropic/messages-request.ts";
import type { MessageStreamEvent } from "../protocols/anthropic/stream-events.ts";
import type { ChatCompletionChunk } from "../protocols/openai/chat.ts";
import type { ChatOutcome, NativeOutcome, Usage } from "../providers/types.ts";
import { toWireUsage } from "../providers/usage.ts";
import type { CallContext } from "./call-context.ts";
import { anthropicErrorBody } from "./errors.ts";
import { nanoUsdToUsd } from "./pricing.ts";
import {
  cacheHitHeaders,
  callEndOf,
  servedDeployment,
  streamFailure,
  switchyardHeaders,
} from "./respond.ts";
import { encodeSseEvent, SSE_HEADERS, type SseStreamOptions, toSseStream } from "./sse.ts";
import { rememberAnswer, rememberStream } from "./steps/cache.ts";
import { costOf, settleCall } from "./steps/settle.ts";

export function answerMessages(
  call: CallContext,
  outcome: ChatOutcome,
  request: MessagesRequest,
): Response {
  const deployment = servedDeployment(call);
  const headers = switchyardHeaders(call, deployment);
  // Anthropic's own request id header; its SDK exposes it as `_request_id`.
  headers["request-id"] = call.requestId;
  const stopSequences = request.stop_sequences ?? [];
  if (outcome.kind === "complete") {
    headers["content-type"] = "application/json";
    const cost = costOf(call, deployment, outcome.usage);
    headers["x-switchyard-cost-usd"] = nanoUsdToUsd(cost).toFixed(9);
    call.end = { kind: "answered", status: 200 };
    rememberAnswer(call, outcome.response, outcome.usage);
    const message = toMessage(outcome.response, outcome.usage, stopSequences);
    return new Response(JSON.stringify(message), { status: 200, headers });
  }
  Object.assign(headers, SSE_HEADERS);
  call.streaming = true;
  const chunks = rememberStream(call, outcome.chunks, outcome.usage);
  const events = toMessageEvents(
    chunks,
    { fallbackId: call.requestId, stopSequences },
    outcome.usage,
  );
  const body = messageEventsToSse(events, {
    onEnd: (end) => {
      call.end = callEndOf(end, deployment);
      call.streaming = false;
      settleCall(call);
    },
    errorEvent: (error) =>
      encodeSseEvent(
        JSON.stringify(anthropicErrorBody(streamFailure(error, deployment), call.requestId)),
        "error",
      ),
  });
  return new Response(body, { status: 200, headers });
}

/**
 * Anthropic's own answer to a passed-through request (Anthropic in → Anthropic out): its bytes
 * unchanged, with Switchyard's headers. A JSON answer is also cached in canonical form.
 */
export function answerNativeMessages(call: CallContext, outcome: NativeOutcome): Response {
  const deployment = servedDeployment(call);
  const headers = switchyardHeaders(call, deployment);
  headers["request-id"] = call.requestId;
  headers["x-switchyard-passthrough"] = "1";
  if (outcome.kind === "complete") {
    headers["content-type"] = outcome.contentType;
    const cost = costOf(call, deployment, outcome.usage);
    headers["x-switchyard-cost-usd"] = nanoUsdToUsd(cost).toFixed(9);
    call.end = { kind: "answered", status: 200 };
    if (outcome.completion) rememberAnswer(call, outcome.completion, outcome.usage);
    return new Response(outcome.body, { status: 200, headers });
  }
  Object.assign(headers, SSE_HEADERS);
  call.streaming = true;
  const body = toSseStream(outcome.chunks, {
    encode: (bytes) => bytes,
    onEnd: (end) => {
      call.end = callEndOf(end, deployment);
      call.streaming = false;
      settleCall(call);
    },
    // Blank lines first end whatever event the upstream was cut off in.
    errorEvent: (error) => {
      const event = encodeSseEvent(
        JSON.stringify(anthropicErrorBody(streamFailure(error, deployment), call.requestId)),
        "error",
      );
      const bytes = new Uint8Array(event.byteLength + 2);
      bytes.set([10, 10]);
      bytes.set(event, 2);
      return bytes;
    },
  });
  return new Response(body, { status: 200, headers });
}

/** A cache hit, as a Message or replayed as its event sequence; no attempts and no cost. */
export function answerMessagesFromCache(
  call: CallContext,
  cached: CachedAnswer,
  request: MessagesRequest,
): Response {
  const headers = cacheHitHeaders(call, cached);
  headers["request-id"] = call.requestId;
  call.end = { kind: "answered", status: 200 };
  const stopSequences = request.stop_sequences ?? [];
  if (!call.stream) {
    headers["content-type"] = "application/json";
    const message = toMessage(cached.completion, cached.usage, stopSequences);
    return new Response(JSON.stringify(message), { status: 200, headers });
  }
  Object.assign(headers, SSE_HEADERS);
  const chunks = replayChunks(cached.completion, toWireUsage(cached.usage));
  const usage: Usage = cached.usage;
  const events = toMessageEvents(
    fromArray(chunks),
    { fallbackId: call.requestId, stopSequences },
    () => usage,
  );
  return new Response(messageEventsToSse(events, {}), { status: 200, headers });
}

/** Each event as `event: <type>` + `data: <json>`, as Anthropic sends them; no terminator. */
function messageEventsToSse(
  events: AsyncIterable<MessageStreamEvent>,
  options: Omit<SseStreamOptions<MessageStreamEvent>, "encode">,
): ReadableStream<Uint8Array> {
  return toSseStream(events, {
    ...options,
    encode: (event) => encodeSseEvent(JSON.stringify(event), event.type),
  });
}

async function* fromArray(
  items: readonly ChatCompletionChunk[],
): AsyncGenerator<ChatCompletionChunk> {
  yield* items;
}
