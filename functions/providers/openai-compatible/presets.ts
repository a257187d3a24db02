/**
 * Providers that speak the OpenAI Chat Completions API, each declared as data: a default base URL
 * and the few parameter differences from OpenAI (Portkey's parameter-map idea, without per-
 * provider code). The adapter reads a preset by the target's kind; nothing else names a
 * provider. A new compatible provider is one entry here plus its kind in ../index.ts.
 */

export interface OpenAICompatiblePreset {
  /** API root ending in /v1 (or the provider's equivalent); null: the provider record must set it. */
  defaultBaseUrl: string | null;
  /**
   * Request fields the provider knows under another name, moved when the target name is unset
   * (e.g. `max_completion_tokens` → `max_tokens` for APIs that only read the older name).
   */
  renameParams?: Readonly<Record<string, string>>;
  /** Request fields the provider rejects; removed before sending. */
  dropParams?: readonly string[];
}

const LEGACY_MAX_TOKENS = { max_completion_tokens: "max_tokens" } as const;

export const OPENAI_COMPATIBLE_PRESETS: Readonly<Record<string, OpenAICompatiblePreset>> = {
  openai: { defaultBaseUrl: "https://api.openai.com/v1" },
  groq: { defaultBaseUrl: "https://api.groq.com/openai/v1", dropParams: ["store", "metadata"] },
  together: { defaultBaseUrl: "https://api.together.xyz/v1", renameParams: LEGACY_MAX_TOKENS },
  fireworks: {
    defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
    renameParams: LEGACY_MAX_TOKENS,
  },
  deepseek: { defaultBaseUrl: "https://api.deepseek.com/v1", renameParams: LEGACY_MAX_TOKENS },
  xai: { defaultBaseUrl: "https://api.x.ai/v1" },
  openrouter: { defaultBaseUrl: "https://openrouter.ai/api/v1" },
  // Mistral's API refuses unknown fields (422) and names the seed `random_seed`.
  mistral: {
    defaultBaseUrl: "https://api.mistral.ai/v1",
    renameParams: { ...LEGACY_MAX_TOKENS, seed: "random_seed" },
    dropParams: ["user", "store", "metadata", "service_tier", "logit_bias", "stream_options"],
  },
  ollama: { defaultBaseUrl: "http://localhost:11434/v1", renameParams: LEGACY_MAX_TOKENS },
  "openai-compatible": { defaultBaseUrl: null },
};

/** The preset of a kind; an unknown kind gets the generic one (base URL required). */
export function presetFor(kind: string): OpenAICompatiblePreset {
  return OPENAI_COMPATIBLE_PRESETS[kind] ?? { defaultBaseUrl: null };
}
