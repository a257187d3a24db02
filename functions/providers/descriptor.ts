/**
 * What the gateway knows about a provider kind, declared once in the provider's own folder: the
 * registry (./index.ts), the environment providers (OPENAI_API_KEY → `openai`), the price lookup
 * and the README's provider table are all built from these. Nothing outside a provider's folder
 * names a provider.
 */
import type { ProviderAdapter } from "./types.ts";

/** The wire format an adapter speaks to the upstream. */
export type WireProtocol =
  | "openai-chat"
  | "azure-openai-chat"
  | "anthropic-messages"
  | "gemini-generate-content"
  | "bedrock-converse"
  | "none";

/** What the provider's API can serve through the canonical (OpenAI Chat) request. */
export interface ProviderCapabilities {
  /** `tools` / `tool_choice` / tool results. */
  tools: boolean;
  /** Image content parts. */
  vision: boolean;
  /** `response_format: {type: "json_schema"}`. */
  jsonSchema: boolean;
  /** `n` > 1 choices in one call. */
  multipleChoices: boolean;
  /** The provider reports usage at the end of a stream (otherwise it is estimated). */
  streamingUsage: boolean;
  /** `POST /v1/embeddings` (the adapter's `embeddings`); absent: none. */
  embeddings?: boolean;
}

/** A per-token price the gateway itself defines (no public price list has the model). */
export interface BuiltInPrice {
  /** USD per million tokens, as decimal text so the table is exact as written. */
  inputUsdPerMillion: string;
  outputUsdPerMillion: string;
  cachedInputUsdPerMillion?: string;
  source: string;
  asOf: string;
}

/** Where the provider's prices come from. */
export interface PricePointer {
  /**
   * The provider's id in the `@pydantic/genai-prices` dataset; null = any upstream, the dataset
   * infers the provider from the model's name; undefined = the dataset has none of its models.
   */
  dataset?: string | null;
  /** Prices by model name (`*`: every model of the kind), checked after the dataset. */
  builtIn?: Readonly<Record<string, BuiltInPrice>>;
}

/**
 * Environment variables that make a global provider of this kind (DESIGN.md, "Environments").
 * The provider exists when `apiKey` is set (and, for kinds that need one, the base URL).
 */
export interface EnvironmentCredentials {
  apiKey: string;
  /** Variable holding the base URL (e.g. an Azure resource endpoint). */
  baseUrl?: string;
  /** Provider config fields read from variables: config field → variable name. */
  config?: Readonly<Record<string, string>>;
}

export interface ProviderDescriptor {
  kind: string;
  /** Human name for docs and messages. */
  displayName: string;
  protocol: WireProtocol;
  /** null: a known kind the gateway cannot call yet (createProvider refuses it). */
  adapter: ProviderAdapter | null;
  /** API root as the provider's own SDK takes it; null when the record must set it or needs none. */
  defaultBaseUrl: string | null;
  /** A provider record of this kind must carry its own base URL. */
  requiresBaseUrl: boolean;
  /** How the API key travels, for docs: e.g. `Authorization: Bearer`, `x-api-key`. */
  authHeader: string | null;
  env: EnvironmentCredentials | null;
  capabilities: ProviderCapabilities;
  prices: PricePointer;
  /**
   * How long an attempt waits for the answer to begin (ms) when neither the route deployment
   * nor the provider record's `config.timeoutMs` says; unset: the gateway's 120 s
   * (functions/routing/resilience/attempt-timeout.ts). Longer for APIs whose models think before
   * answering, shorter for hosts that answer in seconds, so a hang leaves time to fall back.
   */
  defaultTimeoutMs?: number;
  /**
   * Set for a provider that exists with no configuration at all (no network, no credentials):
   * a global provider named after its kind, serving these models.
   */
  builtIn?: { models: readonly string[] };
}
