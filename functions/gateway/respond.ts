/**
 * Stage 8b: the successful answer, JSON or SSE, with Switchyard's response headers
 * (DESIGN.md, "Response headers"). A streamed body is relayed chunk by chunk, never buffered.
 */
import type { ChatCompletion, ChatCompletionChunk } from "../protocols/openai/chat.ts";
import { ProviderError } from "../providers/types.ts";
import type { Deployment } from "../routing/model-directory.ts";
import { type GatewayError, toGatewayError } from "./errors.ts";
import { nanoUsdToUsd } from "./pricing.ts";
import { chatChunksToSse, encodeSseEvent, SSE_HEADERS, type StreamEnd } from "./sse.ts";
import { gatewayErrorFor } from "./steps/call-provider.ts";

export interface AnswerMeta {
  requestId: string;
  deployment: Deployment;
  attempts: number;
}

function switchyardHeaders(meta: AnswerMeta): Headers {
  return new Headers({
    "x-request-id": meta.requestId,
    "x-switchyard-provider": meta.deployment.providerName,
    "x-switchyard-model": meta.deployment.target.model,
    "x-switchyard-attempts": String(meta.attempts),
    "x-switchyard-cache": "MISS",
  });
}

export function completionResponse(
  completion: ChatCompletion,
  meta: AnswerMeta & { costNanoUsd: number },
): Response {
  const headers = switchyardHeaders(meta);
  headers.set("content-type", "application/json");
  headers.set("x-switchyard-cost-usd", nanoUsdToUsd(meta.costNanoUsd).toFixed(9));
  return new Response(JSON.stringify(completion), { status: 200, headers });
}

export function streamResponse(
  chunks: AsyncIterable<ChatCompletionChunk>,
  meta: AnswerMeta,
  onEnd: (end: StreamEnd) => void,
): Response {
  const headers = switchyardHeaders(meta);
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  const body = chatChunksToSse(chunks, {
    onEnd,
    // Mid-stream failures end the stream with an OpenAI error event, as OpenAI itself does.
    errorEvent: (error) => {
      const gatewayError =
        error instanceof ProviderError
          ? gatewayErrorFor([{ deployment: meta.deployment, error }])
          : toGatewayError(error);
      return encodeSseEvent(JSON.stringify(errorBody(gatewayError)));
    },
  });
  return new Response(body, { status: 200, headers });
}

function errorBody(error: GatewayError) {
  return { error: { message: error.message, type: error.type, code: error.code, param: null } };
}
