/** Every OpenAI-compatible preset as a provider descriptor, all served by the one adapter. */
import type { ProviderDescriptor } from "../descriptor.ts";
import { openAICompatibleAdapter } from "./adapter.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "./presets.ts";

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
}));
