/**
 * Stage 8b for `POST /v1/responses`: the canonical answer as a Responses API `response` object,
 * or as its event stream (functions/protocols/openai-responses/), with the same Switchyard headers
 * as Chat Completions (./respond.ts). A stream is translated chunk by chunk as the client reads
 * it, settles the call when it ends, and ends with `response.failed` if the upstream fails.
 */
import type { CachedAnswer } from "../cache/cached-answers.ts";
import { replayChunks } from "../cache/replay.ts";
import type { ChatCompletionChunk } from "../protocols/openai/chat.ts";
import type { ResponsesRequest } from "../protocols/openai-responses/request.ts";
import { type ResponseIdentity, toResponse } from "../protocols/openai-responses/response.ts";
import {
  failedEvent,
  newStreamState,
  type ResponseStreamEvent,
  toResponseEvents,
} from "../protocols/openai-responses/stream-events.ts";
import type { ChatOutcome, Usage } from "../providers/types.ts";
import { toWireUsage } from "../providers/usage.ts";
import type { CallContext } from "./call-context.ts";
import { nanoUsdToUsd } from "./pricing.ts";
import {
  cacheHitHeaders,
  callEndOf,
  servedDeployment,
  streamFailure,
  switchyardHeaders,
} from "./respond.ts";
import { encodeSseEvent, SSE_HEADERS, type StreamEnd, toSseStream } from "./sse.ts";
import { rememberAnswer, rememberStream } from "./steps/cache.ts";
import { costOf, settleCall } from "./steps/settle.ts";

export function answerResponses(
  call: CallContext,
  outcome: ChatOutcome,
  request: ResponsesRequest,
): Response {
  const deployment = servedDeployment(call);
  const headers = switchyardHeaders(call, deployment);
  const identity = identityOf(call, deployment.target.model);
  if (outcome.kind === "complete") {
    headers["content-type"] = "application/json";
    const cost = costOf(call, deployment, outcome.usage);
    headers["x-switchyard-cost-usd"] = nanoUsdToUsd(cost).toFixed(9);
    call.end = { kind: "answered", status: 200 };
    rememberAnswer(call, outcome.response, outcome.usage);
    const response = toResponse(outcome.response, outcome.usage, identity, request);
    return new Response(JSON.stringify(response), { status: 200, headers });
  }
  Object.assign(headers, SSE_HEADERS);
  call.streaming = true;
  const chunks = rememberStream(call, outcome.chunks, outcome.usage);
  const body = eventStream(chunks, identity, request, outcome.usage, {
    onEnd: (end) => {
      call.end = callEndOf(end, deployment);
      call.streaming = false;
      settleCall(call);
    },
    failure: (error) => {
      const failure = streamFailure(error, deployment);
      return { code: failure.code ?? failure.type, message: failure.message };
    },
  });
  return new Response(body, { status: 200, headers });
}

/** A cache hit, as a response or replayed as its events; no attempts and no cost. */
export function answerResponsesFromCache(
  call: CallContext,
  cached: CachedAnswer,
  request: ResponsesRequest,
): Response {
  const headers = cacheHitHeaders(call, cached);
  call.end = { kind: "answered", status: 200 };
  const identity = identityOf(call, cached.model);
  if (!call.stream) {
    headers["content-type"] = "application/json";
    const response = toResponse(cached.completion, cached.usage, identity, request);
    return new Response(JSON.stringify(response), { status: 200, headers });
  }
  Object.assign(headers, SSE_HEADERS);
  const chunks = replayChunks(cached.completion, toWireUsage(cached.usage));
  const usage: Usage = cached.usage;
  const body = eventStream(fromArray(chunks), identity, request, () => usage, {
    failure: () => ({
      code: "internal_error",
      message: "The cached answer could not be replayed.",
    }),
  });
  return new Response(body, { status: 200, headers });
}

function identityOf(call: CallContext, model: string): ResponseIdentity {
  return {
    id: `resp_${call.requestId.replace(/[^A-Za-z0-9_-]/g, "")}`,
    createdAt: Math.floor(call.services.clock() / 1000),
    model,
  };
}

/** Each event as `event: <type>` + `data: <json>`, as OpenAI sends them; no terminator. */
function eventStream(
  chunks: AsyncIterable<ChatCompletionChunk>,
  identity: ResponseIdentity,
  request: ResponsesRequest,
  usage: () => Usage,
  options: {
    onEnd?: (end: StreamEnd) => void;
    failure: (error: unknown) => { code: string; message: string };
  },
): ReadableStream<Uint8Array> {
  const state = newStreamState(identity, request);
  const encode = (event: ResponseStreamEvent) => encodeSseEvent(JSON.stringify(event), event.type);
  return toSseStream(toResponseEvents(chunks, state, usage), {
    encode,
    ...(options.onEnd ? { onEnd: options.onEnd } : {}),
    errorEvent: (error) => encode(failedEvent(state, options.failure(error))),
  });
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
