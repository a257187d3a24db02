/**
 * Stage 8b: the successful answer, JSON or SSE, with Switchyard's response headers
 * (DESIGN.md, "Response headers"), all read from the call context. A streamed body is relayed
 * chunk by chunk, never buffered, and settles the call when it ends, however it ends.
 */
import type { ChatCompletionChunk } from "../protocols/openai/chat.ts";
import { type ChatOutcome, ProviderError } from "../providers/types.ts";
import type { Deployment } from "../routing/model-directory.ts";
import type { CallContext } from "./call-context.ts";
import { GatewayError, toGatewayError } from "./errors.ts";
import { setLimitHeaders } from "./limit-headers.ts";
import { nanoUsdToUsd } from "./pricing.ts";
import { chatChunksToSse, encodeSseEvent, SSE_HEADERS, type StreamEnd } from "./sse.ts";
import { gatewayErrorFor } from "./steps/call-provider.ts";
import { costOf, settleCall } from "./steps/settle.ts";

export function answerChat(call: CallContext, outcome: ChatOutcome): Response {
  const deployment = servedDeployment(call);
  const headers = switchyardHeaders(call, deployment);
  if (outcome.kind === "complete") {
    headers.set("content-type", "application/json");
    const cost = costOf(call, deployment, outcome.usage);
    headers.set("x-switchyard-cost-usd", nanoUsdToUsd(cost).toFixed(9));
    call.end = { kind: "answered", status: 200 };
    return new Response(JSON.stringify(outcome.response), { status: 200, headers });
  }
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  call.streaming = true;
  return new Response(streamBody(call, deployment, outcome.chunks), { status: 200, headers });
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

function callEndOf(end: StreamEnd, deployment: Deployment): CallContext["end"] {
  switch (end.kind) {
    case "done":
      return { kind: "answered", status: 200 };
    case "cancelled":
      return { kind: "cancelled" };
    case "error":
      return { kind: "failed", error: streamFailure(end.error, deployment) };
  }
}

function streamFailure(error: unknown, deployment: Deployment): GatewayError {
  return error instanceof ProviderError
    ? gatewayErrorFor([{ deployment, error }])
    : toGatewayError(error);
}

function servedDeployment(call: CallContext): Deployment {
  if (call.served === null) {
    throw new GatewayError("internal", "The gateway hit an unexpected error. Retry the request.");
  }
  return call.served;
}

function switchyardHeaders(call: CallContext, deployment: Deployment): Headers {
  const headers = new Headers({
    "x-request-id": call.requestId,
    "x-switchyard-provider": deployment.providerName,
    "x-switchyard-model": deployment.target.model,
    "x-switchyard-attempts": String(call.attempts.length),
    "x-switchyard-cache": "MISS",
  });
  setLimitHeaders(headers, call.limits);
  return headers;
}

function errorBody(error: GatewayError) {
  return { error: { message: error.message, type: error.type, code: error.code, param: null } };
}
