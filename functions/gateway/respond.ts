/**
 * Stage 8b: the successful answer, JSON or SSE, with Switchyard's response headers
 * (DESIGN.md, "Response headers"), all read from the call context. A streamed body is relayed
 * chunk by chunk, never buffered, and settles the call when it ends, however it ends. A cache hit
 * is answered here too, as JSON or replayed as SSE, whichever the request asked for.
 */
import type { CachedAnswer } from "../cache/cached-answers.ts";
import { replayChunks } from "../cache/replay.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../protocols/openai/chat.ts";
import { type ChatOutcome, ProviderError } from "../providers/types.ts";
import { toWireUsage } from "../providers/usage.ts";
import type { Deployment } from "../routing/model-directory.ts";
import type { CallContext } from "./call-context.ts";
import { GatewayError, toGatewayError } from "./errors.ts";
import { type HeaderRecord, setLimitHeaders } from "./limit-headers.ts";
import { nanoUsdToUsd } from "./pricing.ts";
import { chatChunksToSse, encodeSseEvent, SSE_HEADERS, type StreamEnd } from "./sse.ts";
import { rememberAnswer, rememberStream } from "./steps/cache.ts";
import { gatewayErrorFor } from "./steps/call-provider.ts";
import { costOf, settleCall } from "./steps/settle.ts";

export function answerChat(call: CallContext, outcome: ChatOutcome): Response {
  const deployment = servedDeployment(call);
  const headers = switchyardHeaders(call, deployment);
  if (outcome.kind === "complete") {
    headers["content-type"] = "application/json";
    const cost = costOf(call, deployment, outcome.usage);
    headers["x-switchyard-cost-usd"] = nanoUsdToUsd(cost).toFixed(9);
    call.end = { kind: "answered", status: 200 };
    rememberAnswer(call, outcome.response, outcome.usage);
    return new Response(JSON.stringify(outcome.response), { status: 200, headers });
  }
  Object.assign(headers, SSE_HEADERS);
  call.streaming = true;
  const chunks = rememberStream(call, outcome.chunks, outcome.usage);
  return new Response(streamBody(call, deployment, chunks), { status: 200, headers });
}

/**
 * A cache hit: the stored answer, with the deployment that produced it in the headers, no
 * attempts and no cost. It is complete, so even a replayed stream settles when the frame ends.
 */
export function answerFromCache(
  call: CallContext,
  cached: CachedAnswer,
  chat: ChatCompletionRequest,
): Response {
  const headers = cacheHitHeaders(call, cached);
  call.end = { kind: "answered", status: 200 };
  if (!call.stream) {
    headers["content-type"] = "application/json";
    return new Response(JSON.stringify(cached.completion), { status: 200, headers });
  }
  Object.assign(headers, SSE_HEADERS);
  const usage = chat.stream_options?.include_usage
    ? (cached.completion.usage ?? toWireUsage(cached.usage))
    : null;
  return new Response(chatChunksToSse(fromArray(replayChunks(cached.completion, usage))), {
    status: 200,
    headers,
  });
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

function streamBody(
  call: CallContext,
  deployment: Deployment,
  chunks: AsyncIterable<ChatCompletionChunk>,
): ReadableStream<Uint8Array> {
  return chatChunksToSse(chunks, {
    onEnd: (end) => {
      call.end = callEndOf(end, deployment);
      call.streaming = false;
      settleCall(call);
    },
    // Mid-stream failures end the stream with an OpenAI error event, as OpenAI itself does.
    errorEvent: (error) =>
      encodeSseEvent(JSON.stringify(errorBody(streamFailure(error, deployment)))),
  });
}

export function callEndOf(end: StreamEnd, deployment: Deployment): CallContext["end"] {
  switch (end.kind) {
    case "done":
      return { kind: "answered", status: 200 };
    case "cancelled":
      return { kind: "cancelled" };
    case "error":
      return { kind: "failed", error: streamFailure(end.error, deployment) };
  }
}

export function streamFailure(error: unknown, deployment: Deployment): GatewayError {
  return error instanceof ProviderError
    ? gatewayErrorFor([{ deployment, error }])
    : toGatewayError(error);
}

export function servedDeployment(call: CallContext): Deployment {
  if (call.served === null) {
    throw new GatewayError("internal", "The gateway hit an unexpected error. Retry the request.");
  }
  return call.served;
}

export function switchyardHeaders(call: CallContext, deployment: Deployment): HeaderRecord {
  const headers: HeaderRecord = {
    "x-request-id": call.requestId,
    "x-switchyard-provider": deployment.providerName,
    "x-switchyard-model": deployment.target.model,
    "x-switchyard-attempts": String(call.attempts.length),
    "x-switchyard-cache": "MISS",
  };
  setLimitHeaders(headers, call.limits);
  return headers;
}

/** A cache hit's headers: the deployment that produced the answer, no attempts, no cost. */
export function cacheHitHeaders(call: CallContext, cached: CachedAnswer): HeaderRecord {
  const headers: HeaderRecord = {
    "x-request-id": call.requestId,
    "x-switchyard-provider": cached.provider,
    "x-switchyard-model": cached.model,
    "x-switchyard-attempts": "0",
    "x-switchyard-cache": "HIT",
    "x-switchyard-cost-usd": nanoUsdToUsd(0).toFixed(9),
  };
  setLimitHeaders(headers, call.limits);
  return headers;
}

function errorBody(error: GatewayError) {
  return { error: { message: error.message, type: error.type, code: error.code, param: null } };
}
