/**
 * Providers that speak the OpenAI Chat Completions API, each declared as data: a default base URL,
 * its credential variable, what it can serve, where its prices are, and the few parameter
 * differences from OpenAI (Portkey's parameter-map idea, without per-provider code). The adapter
 * reads a preset by the target's kind, ./descriptor.ts turns every preset into a provider
 * descriptor; nothing else names these providers. A new compatible provider is one entry here.
 */
import type { PricePointer, ProviderCapabilities } from "../descriptor.ts";

export interface OpenAICompatiblePreset {
  displayName: string;
  /** API root ending in /v1 (or the provider's equivalent); null: the provider record must set it. */
  defaultBaseUrl: string | null;
  /** The environment variable whose key makes a global provider of this kind; null: none. */
  apiKeyVariable: string | null;
  capabilities: ProviderCapabilities;
  prices: PricePointer;
  /**
   * Request fields the provider knows under another name, moved when the target name is unset
   * (e.g. `max_completion_tokens` → `max_tokens` for APIs that only read the older name).
   */
  renameParams?: Readonly<Record<string, string>>;
  /** Request fields the provider rejects; removed before sending. */
  dropParams?: readonly string[];
}

const LEGACY_MAX_TOKENS = { max_completion_tokens: "max_tokens" } as const;

/**
 * OpenAI's own API serves every feature of the canonical request. Embeddings are named per
 * preset: only some hosts have `/embeddings` (Groq, DeepSeek, xAI and OpenRouter have none).
 */
const EVERYTHING: ProviderCapabilities = {
  tools: true,
  vision: true,
  jsonSchema: true,
  multipleChoices: true,
  streamingUsage: true,
};
/** Hosts that serve one choice per call (they refuse or ignore `n`). */
const SINGLE_CHOICE: ProviderCapabilities = { ...EVERYTHING, multipleChoices: false };

export const OPENAI_COMPATIBLE_PRESETS: Readonly<Record<string, OpenAICompatiblePreset>> = {
  openai: {
    displayName: "OpenAI",
    defaultBaseUrl: "https://api.openai.com/v1",
    apiKeyVariable: "OPENAI_API_KEY",
    capabilities: { ...EVERYTHING, embeddings: true },
    prices: { dataset: "openai" },
  },
  groq: {
    displayName: "Groq",
    defaultBaseUrl: "https://api.groq.com/openai/v1",
    apiKeyVariable: "GROQ_API_KEY",
    capabilities: SINGLE_CHOICE,
    prices: { dataset: "groq" },
    dropParams: ["store", "metadata"],
  },
  together: {
    displayName: "Together AI",
    defaultBaseUrl: "https://api.together.xyz/v1",
    apiKeyVariable: "TOGETHER_API_KEY",
    capabilities: { ...EVERYTHING, embeddings: true },
    prices: { dataset: "together" },
    renameParams: LEGACY_MAX_TOKENS,
  },
  fireworks: {
    displayName: "Fireworks AI",
    defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
    apiKeyVariable: "FIREWORKS_API_KEY",
    capabilities: { ...EVERYTHING, embeddings: true },
    prices: { dataset: "fireworks" },
    renameParams: LEGACY_MAX_TOKENS,
  },
  // DeepSeek's chat models read no images and know JSON mode but not JSON schemas.
  deepseek: {
    displayName: "DeepSeek",
    defaultBaseUrl: "https://api.deepseek.com/v1",
    apiKeyVariable: "DEEPSEEK_API_KEY",
    capabilities: { ...SINGLE_CHOICE, vision: false, jsonSchema: false },
    prices: { dataset: "deepseek" },
    renameParams: LEGACY_MAX_TOKENS,
  },
  xai: {
    displayName: "xAI",
    defaultBaseUrl: "https://api.x.ai/v1",
    apiKeyVariable: "XAI_API_KEY",
    capabilities: EVERYTHING,
    prices: { dataset: "x-ai" },
  },
  openrouter: {
    displayName: "OpenRouter",
    defaultBaseUrl: "https://openrouter.ai/api/v1",
    apiKeyVariable: "OPENROUTER_API_KEY",
    capabilities: SINGLE_CHOICE,
    prices: { dataset: "openrouter" },
  },
  // Mistral's API refuses unknown fields (422) and names the seed `random_seed`.
  mistral: {
    displayName: "Mistral AI",
    defaultBaseUrl: "https://api.mistral.ai/v1",
    apiKeyVariable: "MISTRAL_API_KEY",
    capabilities: { ...EVERYTHING, embeddings: true },
    prices: { dataset: "mistral" },
    renameParams: { ...LEGACY_MAX_TOKENS, seed: "random_seed" },
    dropParams: ["user", "store", "metadata", "service_tier", "logit_bias", "stream_options"],
  },
  // Older Ollama versions end streams without usage; the gateway then estimates it.
  ollama: {
    displayName: "Ollama",
    defaultBaseUrl: "http://localhost:11434/v1",
    apiKeyVariable: null,
    capabilities: { ...SINGLE_CHOICE, streamingUsage: false, embeddings: true },
    prices: {
      builtIn: {
        "*": {
          inputUsdPerMillion: "0",
          outputUsdPerMillion: "0",
          source:
            "Switchyard: Ollama runs models on the operator's own machines; no per-token charge",
          asOf: "2026-12-01",
        },
      },
    },
    renameParams: LEGACY_MAX_TOKENS,
  },
  // Any base URL: nothing is known about the server, so nothing is refused up front.
  "openai-compatible": {
    displayName: "Any OpenAI-compatible API",
    defaultBaseUrl: null,
    apiKeyVariable: null,
    capabilities: { ...EVERYTHING, streamingUsage: false, embeddings: true },
    prices: { dataset: null },
  },
};

const GENERIC = OPENAI_COMPATIBLE_PRESETS["openai-compatible"] as OpenAICompatiblePreset;

/** The preset of a kind; an unknown kind gets the generic one (base URL required). */
export function presetFor(kind: string): OpenAICompatiblePreset {
  return OPENAI_COMPATIBLE_PRESETS[kind] ?? GENERIC;
}
