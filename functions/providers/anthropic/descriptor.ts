/** Anthropic's Messages API (https://docs.anthropic.com/en/api/messages). */
import type { ProviderDescriptor } from "../descriptor.ts";
import { anthropicAdapter } from "./adapter.ts";

export const anthropicDescriptor: ProviderDescriptor = {
  kind: "anthropic",
  displayName: "Anthropic",
  protocol: "anthropic-messages",
  adapter: anthropicAdapter,
  // The host root, as @anthropic-ai/sdk takes it; the adapter appends /v1/messages.
  defaultBaseUrl: "https://api.anthropic.com",
  requiresBaseUrl: false,
  authHeader: "x-api-key",
  env: { apiKey: "ANTHROPIC_API_KEY" },
  // One choice per call (no `n`); JSON schemas are served as a forced tool (json-output.ts).
  capabilities: {
    tools: true,
    vision: true,
    jsonSchema: true,
    multipleChoices: false,
    streamingUsage: true,
  },
  prices: { dataset: "anthropic" },
  // Extended thinking can run minutes before a non-streamed answer begins.
  defaultTimeoutMs: 300_000,
};
