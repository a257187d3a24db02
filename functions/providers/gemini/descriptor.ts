/**
 * Google Gemini through the Generative Language API (https://ai.google.dev/api): generateContent,
 * streamGenerateContent over SSE, batchEmbedContents.
 */
import type { ProviderDescriptor } from "../descriptor.ts";
import { geminiAdapter } from "./adapter.ts";

export const geminiDescriptor: ProviderDescriptor = {
  kind: "gemini",
  displayName: "Google Gemini",
  protocol: "gemini-generate-content",
  adapter: geminiAdapter,
  // The host root, as Google's SDKs take it; the adapter appends /v1beta/models/...
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  requiresBaseUrl: false,
  authHeader: "x-goog-api-key",
  env: { apiKey: "GEMINI_API_KEY" },
  // `n` is candidateCount; images inline (data URLs) or File API URIs.
  capabilities: {
    tools: true,
    vision: true,
    jsonSchema: true,
    multipleChoices: true,
    streamingUsage: true,
    embeddings: true,
  },
  prices: { dataset: "google" },
  // 2.5 models think before answering by default.
  defaultTimeoutMs: 180_000,
};
