/** Google Gemini (generateContent). Known to the gateway; no adapter yet, so not callable. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const geminiDescriptor: ProviderDescriptor = {
  kind: "gemini",
  displayName: "Google Gemini",
  protocol: "gemini-generate-content",
  adapter: null,
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  requiresBaseUrl: false,
  authHeader: "x-goog-api-key",
  env: { apiKey: "GEMINI_API_KEY" },
  capabilities: {
    tools: true,
    vision: true,
    jsonSchema: true,
    multipleChoices: true,
    streamingUsage: true,
  },
  prices: { dataset: "google" },
  // 2.5 models think before answering by default.
  defaultTimeoutMs: 180_000,
};
