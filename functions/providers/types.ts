/**
 * The provider adapter interface. An adapter takes the canonical request (OpenAI Chat
 * Completions), calls one provider deployment, and answers in the canonical format, streamed or
 * not, together with the usage the gateway bills. Adding a provider is one folder that exports
 * one ProviderAdapter, plus one line in ./index.ts.
 *
 * Adapters do no routing, retries, limits or accounting: they fail with a ProviderError and the
 * pipeline decides what to do.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
} from "../protocols/openai/chat.ts";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../protocols/openai/embeddings.ts";

export { ProviderError, type ProviderErrorKind } from "./errors.ts";

/** One deployment to call: the provider record (credentials decrypted) and the model on it. */
export interface ProviderTarget {
  /** Provider kind, e.g. "openai", "groq", "openai-compatible", "mock". */
  kind: string;
  /** The provider record's name, used in messages and as the `<name>/<model>` address. */
  name: string;
  /** API root as the provider's own SDK takes it; null = the kind's default (presets). */
  baseUrl: string | null;
  apiKey: string | null;
  /** Kind-specific options, validated by the adapter (e.g. extra headers, mock latency). */
  config: Record<string, unknown>;
  /** The model name the provider knows; replaces the request's `model`. */
  model: string;
}

export interface CallOptions {
  /** Aborts the call, streaming included. A TimeoutError reason is reported as kind "timeout". */
  signal: AbortSignal;
  /** Injected so tests and runtimes can swap transport. */
  fetch: typeof fetch;
  /** The gateway's x-request-id; used for ids the upstream does not provide. */
  requestId: string;
}

/** What the gateway bills. `cachedInputTokens` is a part of `inputTokens`, not in addition. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /**
   * Input tokens written to the provider's prompt cache (Anthropic's cache_creation_input_tokens),
   * also a part of `inputTokens`; priced at the cache-write rate. Absent: none reported.
   */
  cacheWriteInputTokens?: number;
  /** True when counted by our tokenizer because the provider did not report usage. */
  estimated: boolean;
}

export type ChatOutcome =
  | { kind: "complete"; response: ChatCompletion; usage: Usage }
  | {
      kind: "stream";
      /**
       * The chunks the client asked for, in OpenAI's format: content chunks, then, only when
       * the request had `stream_options.include_usage`, one `choices: []` chunk with usage.
       * Iterate once. Calling `return()` (e.g. the client disconnected) closes the upstream.
       * Errors are ProviderErrors.
       */
      chunks: AsyncIterable<ChatCompletionChunk>;
      /**
       * The stream's usage: final once `chunks` is exhausted, returned or has thrown (then it is
       * an estimate of what was generated so far). Before that, the best value known so far.
       */
      usage(): Usage;
    };

/**
 * An embeddings answer in OpenAI's shape (its `model` and `usage` as the upstream said) and the
 * usage the gateway bills: input tokens only.
 */
export interface EmbeddingsOutcome {
  response: EmbeddingsResponse;
  usage: Usage;
}

export interface ProviderAdapter {
  /** The adapter's own kind; several provider kinds may share one adapter (presets). */
  kind: string;
  chatCompletion(
    request: ChatCompletionRequest,
    target: ProviderTarget,
    options: CallOptions,
  ): Promise<ChatOutcome>;
  /**
   * POST /v1/embeddings, for adapters whose API has embeddings (the descriptor's
   * `capabilities.embeddings` says which kinds may be asked). Embeddings come back as floats,
   * or as base64 when the request asked for it and the upstream answered so.
   */
  embeddings?(
    request: EmbeddingsRequest,
    target: ProviderTarget,
    options: CallOptions,
  ): Promise<EmbeddingsOutcome>;
  /** Set by an adapter that can pass its own protocol's requests through untranslated. */
  native?: NativePassthrough;
}

/**
 * A request already in the upstream's own protocol (Anthropic in → Anthropic out), sent with only
 * the model and auth rewritten so that what the canonical request does not model (thinking,
 * `cache_control`, `top_k`, beta headers) reaches the provider.
 */
export interface NativeRequest {
  protocol: "anthropic-messages";
  /** The client's body as it sent it, validated; `model` is replaced by the target's. */
  body: Record<string, unknown>;
  /** Client headers the protocol lets through (lowercase names), e.g. `anthropic-beta`. */
  headers: Record<string, string>;
  /** The same request in canonical form, for usage estimates when the upstream reports none. */
  chat: ChatCompletionRequest;
}

/**
 * The upstream's answer, untranslated. Same `kind`s and `usage` as ChatOutcome, so the fallback
 * loop treats both alike; `native` tells them apart.
 */
export type NativeOutcome =
  | {
      kind: "complete";
      native: true;
      /** The upstream's body, byte for byte, and its content type. */
      body: string;
      contentType: string;
      usage: Usage;
      /** The same answer in canonical form, for the response cache; null if not translatable. */
      completion: ChatCompletion | null;
    }
  | {
      kind: "stream";
      native: true;
      /** The upstream's SSE bytes as they arrive; errors are ProviderErrors. */
      chunks: AsyncIterable<Uint8Array>;
      contentType: string;
      usage(): Usage;
    };

/** An adapter's passthrough for clients that speak its upstream's protocol. */
export interface NativePassthrough {
  protocol: NativeRequest["protocol"];
  send(
    request: NativeRequest,
    target: ProviderTarget,
    options: CallOptions,
  ): Promise<NativeOutcome>;
}
