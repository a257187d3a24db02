/**
 * The OpenAI-compatible adapter: OpenAI itself and every preset (groq, mistral, ollama, ...).
 * Request building, response parsing and stream parsing are pure and live beside it; this file
 * is the I/O between them.
 */
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import type { EmbeddingsRequest } from "../../protocols/openai/embeddings.ts";
import {
  parseJsonBody,
  readText,
  sendUpstream,
  streamBodyOf,
  type UpstreamRequest,
} from "../http.ts";
import { estimateUsage } from "../tokens.ts";
import type { CallOptions, ChatOutcome, ProviderAdapter, ProviderTarget } from "../types.ts";
import { fromWireUsage } from "../usage.ts";
import { buildEmbeddingsRequest, callOpenAIEmbeddings } from "./embeddings.ts";
import { errorFromResponse } from "./errors.ts";
import { presetFor } from "./presets.ts";
import { buildChatRequest } from "./request.ts";
import { completionText, parseChatCompletion, type ResponseDefaults } from "./response.ts";
import { streamChatCompletion } from "./stream.ts";

/** Builds the HTTP request for one call; the only part that differs between OpenAI-style APIs. */
export type OpenAIChatRequestBuilder = (
  request: ChatCompletionRequest,
  target: ProviderTarget,
) => UpstreamRequest;

/** Builds the HTTP request of one embeddings call. */
export type OpenAIEmbeddingsRequestBuilder = (
  request: EmbeddingsRequest,
  target: ProviderTarget,
) => UpstreamRequest;

/**
 * An adapter for an API that answers in OpenAI's Chat Completions format (bodies, streams, errors)
 * wherever and however it is addressed: OpenAI and its presets here, Azure OpenAI's deployments.
 */
export function createOpenAIChatAdapter(
  kind: string,
  buildRequest: OpenAIChatRequestBuilder,
  buildEmbeddings?: OpenAIEmbeddingsRequestBuilder,
): ProviderAdapter {
  const adapter: ProviderAdapter = {
    kind,
    // async, so that a request the builder refuses is a rejected promise like any other failure.
    chatCompletion: async (request, target, options) =>
      callOpenAIChat(buildRequest(request, target), request, target, options),
  };
  if (buildEmbeddings) {
    adapter.embeddings = async (request, target, options) =>
      callOpenAIEmbeddings(buildEmbeddings(request, target), request, target, options);
  }
  return adapter;
}

export const openAICompatibleAdapter: ProviderAdapter = createOpenAIChatAdapter(
  "openai-compatible",
  (request, target) => buildChatRequest(request, target, presetFor(target.kind)),
  (request, target) => buildEmbeddingsRequest(request, target, presetFor(target.kind)),
);

async function callOpenAIChat(
  upstream: UpstreamRequest,
  request: ChatCompletionRequest,
  target: ProviderTarget,
  options: CallOptions,
): Promise<ChatOutcome> {
  const response = await sendUpstream(upstream, options, target.name);
  if (!response.ok) throw await errorFromResponse(response, target);
  const defaults: ResponseDefaults = {
    id: `chatcmpl-${options.requestId}`,
    created: Math.floor(Date.now() / 1000),
    model: target.model,
  };
  if (request.stream === true) {
    const body = await streamBodyOf(response, target, options, isNotJson);
    return {
      kind: "stream",
      ...streamChatCompletion(body, { request, target, options, defaults }),
    };
  }
  const json = parseJsonBody(await readText(response, options, target.name), target.name);
  const parsed = parseChatCompletion(json, defaults, target.name);
  const usage = parsed.usage
    ? fromWireUsage(parsed.usage)
    : await estimateUsage(request, completionText(parsed.response));
  return { kind: "complete", response: parsed.response, usage };
}

/** The SSE body, refusing an upstream that answered a streaming call with plain JSON. */

/**
 * OpenAI-compatible servers label their streams inconsistently (some omit the content type or
 * send text/plain); anything but a JSON answer is read as the stream.
 */
function isNotJson(contentType: string): boolean {
  return !contentType.includes("application/json");
}
