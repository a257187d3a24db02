/**
 * The Anthropic adapter: OpenAI Chat requests served by the Messages API. Translation is pure and
 * lives beside it (request.ts, response.ts, translate-stream.ts); this file is the I/O between.
 */
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import { ProviderError } from "../errors.ts";
import { parseJsonBody, readText, sendUpstream, snippet } from "../http.ts";
import { loadTokenizer } from "../tokens.ts";
import type { CallOptions, ChatOutcome, ProviderAdapter, ProviderTarget, Usage } from "../types.ts";
import { errorFromResponse } from "../upstream-error.ts";
import { buildMessagesRequest } from "./request.ts";
import { parseMessage, type ResponseDefaults } from "./response.ts";
import { streamMessages } from "./stream.ts";

export const anthropicAdapter: ProviderAdapter = {
  kind: "anthropic",
  async chatCompletion(request, target, options): Promise<ChatOutcome> {
    const upstream = buildMessagesRequest(request, target);
    const response = await sendUpstream(upstream, options, target.name);
    if (!response.ok) throw await errorFromResponse(response, target);
    const defaults: ResponseDefaults = {
      id: `chatcmpl-${options.requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: target.model,
    };
    if (request.stream === true) {
      const body = await streamBody(response, target, options);
      return { kind: "stream", ...streamMessages(body, { request, target, options, defaults }) };
    }
    const json = parseJsonBody(await readText(response, options, target.name), target.name);
    const parsed = parseMessage(json, defaults, target.name);
    const usage =
      parsed.usage ??
      (await estimateUsage(request, parsed.response.choices[0]?.message.content ?? ""));
    return { kind: "complete", response: parsed.response, usage };
  },
};

async function streamBody(
  response: Response,
  target: ProviderTarget,
  options: CallOptions,
): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
  const type = response.headers.get("content-type") ?? "";
  if (response.body !== null && type.includes("text/event-stream")) return response.body;
  const text = response.body === null ? "" : await readText(response, options, target.name);
  throw new ProviderError({
    kind: "bad_response",
    message: `Provider '${target.name}' answered a streaming request without a stream: ${snippet(text) || "empty body"}`,
    status: 502,
    retryable: false,
  });
}

async function estimateUsage(request: ChatCompletionRequest, output: string): Promise<Usage> {
  const tokenizer = await loadTokenizer();
  return {
    inputTokens: tokenizer.countRequestTokens(request),
    outputTokens: tokenizer.countTokens(output),
    cachedInputTokens: 0,
    estimated: true,
  };
}
