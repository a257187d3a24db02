/** Every OpenAI-compatible preset as a provider descriptor, all served by the one adapter. */
import type { ProviderDescriptor } from "../descriptor.ts";
import { openAICompatibleAdapter } from "./adapter.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "./presets.ts";

/**
 * Attempt timeouts (ms) of the kinds that differ from the gateway's 120 s: reasoning models
 * (OpenAI's o-series and GPT-5 at high effort, DeepSeek's reasoner) and Ollama, which loads a model
 * on its first call, take minutes; Groq answers in seconds, so a hang there should leave the
 * request's deadline time to fall back.
 */
const DEFAULT_TIMEOUTS_MS: Readonly<Record<string, number>> = {
  openai: 300_000,
  deepseek: 300_000,
  ollama: 300_000,
  groq: 30_000,
};

export const openAICompatibleDescriptors: readonly ProviderDescriptor[] = Object.entries(
  OPENAI_COMPATIBLE_PRESETS,
).map(([kind, preset]) => ({
  kind,
  displayName: preset.displayName,
  protocol: "openai-chat",
  adapter: openAICompatibleAdapter,
  defaultBaseUrl: preset.defaultBaseUrl,
  requiresBaseUrl: preset.defaultBaseUrl === null,
  authHeader: "Authorization: Bearer",
  env: preset.apiKeyVariable === null ? null : { apiKey: preset.apiKeyVariable },
  capabilities: preset.capabilities,
  prices: preset.prices,
  defaultTimeoutMs: DEFAULT_TIMEOUTS_MS[kind],
}));
