/**
 * The `mock/echo` model: a deterministic reply built from the request alone, as a completion or
 * as OpenAI-format chunks. Pure; the tokenizer is passed in.
 */
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type FinishReason,
  lastUserText,
  type StreamIdentity,
} from "../../protocols/openai/chat.ts";
import type { Tokenizer } from "../tokens.ts";
import type { Usage } from "../types.ts";
import { toWireUsage } from "../usage.ts";

export interface EchoReply {
  content: string;
  finishReason: FinishReason;
  usage: Usage;
}

/**
 * "Echo: <last user message>", or `{"echo": ...}` in JSON mode; cut to `max_completion_tokens`
 * (finish reason "length") like a real model; usage counted as OpenAI counts it.
 */
export function echoReply(request: ChatCompletionRequest, tokenizer: Tokenizer): EchoReply {
  const text = lastUserText(request.messages);
  const full =
    request.response_format?.type === "json_object"
      ? JSON.stringify({ echo: text })
      : `Echo: ${text}`;
  const limit = request.max_completion_tokens ?? request.max_tokens ?? null;
  const fullTokens = tokenizer.countTokens(full);
  const truncated = limit !== null && fullTokens > limit;
  const content = truncated ? tokenizer.truncateToTokens(full, limit) : full;
  const choices = request.n ?? 1;
  return {
    content,
    finishReason: truncated ? "length" : "stop",
    usage: {
      inputTokens: tokenizer.countRequestTokens(request),
      outputTokens: (truncated ? tokenizer.countTokens(content) : fullTokens) * choices,
      cachedInputTokens: 0,
      estimated: false,
    },
  };
}

export function echoCompletion(
  request: ChatCompletionRequest,
  reply: EchoReply,
  identity: StreamIdentity,
): ChatCompletion {
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: choiceIndexes(request).map((index) => ({
      index,
      message: { role: "assistant", content: reply.content, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: reply.finishReason,
    })),
    usage: toWireUsage(reply.usage),
  };
}

/**
 * The chunks OpenAI would send: per choice a role chunk with empty content, one chunk per word,
 * a finish chunk with an empty delta; then the usage chunk when the client asked for it.
 */
export function echoChunks(
  request: ChatCompletionRequest,
  reply: EchoReply,
  identity: StreamIdentity,
): ChatCompletionChunk[] {
  const chunk = (choices: ChatCompletionChunk["choices"]): ChatCompletionChunk => ({
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    choices,
  });
  const pieces = reply.content.match(/\S+\s*|\s+/g) ?? [];
  const chunks: ChatCompletionChunk[] = [];
  for (const index of choiceIndexes(request)) {
    chunks.push(
      chunk([
        {
          index,
          delta: { role: "assistant", content: "", refusal: null },
          logprobs: null,
          finish_reason: null,
        },
      ]),
    );
    for (const piece of pieces) {
      chunks.push(
        chunk([{ index, delta: { content: piece }, logprobs: null, finish_reason: null }]),
      );
    }
    chunks.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: reply.finishReason }]));
  }
  if (request.stream_options?.include_usage === true) {
    chunks.push({ ...chunk([]), usage: toWireUsage(reply.usage) });
  }
  return chunks;
}

function choiceIndexes(request: ChatCompletionRequest): number[] {
  return Array.from({ length: request.n ?? 1 }, (_, index) => index);
}
