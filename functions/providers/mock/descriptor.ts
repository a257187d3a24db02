/** The built-in `mock` provider: no network, no credentials, small but non-zero prices. */
import type { ProviderDescriptor } from "../descriptor.ts";
import { MOCK_MODELS, mockAdapter } from "./adapter.ts";
import { MOCK_EMBEDDING_MODELS } from "./embeddings.ts";

export const mockDescriptor: ProviderDescriptor = {
  kind: "mock",
  displayName: "Mock (built in: `mock/echo`, `mock/embed`)",
  protocol: "none",
  adapter: mockAdapter,
  defaultBaseUrl: null,
  requiresBaseUrl: false,
  authHeader: null,
  env: null,
  builtIn: { models: [...MOCK_MODELS, ...MOCK_EMBEDDING_MODELS] },
  // echo answers any request; it ignores tools and images and echoes text, with n choices.
  capabilities: {
    tools: true,
    vision: true,
    jsonSchema: true,
    multipleChoices: true,
    streamingUsage: true,
    embeddings: true,
  },
  prices: {
    builtIn: {
      echo: {
        inputUsdPerMillion: "0.1",
        outputUsdPerMillion: "0.2",
        cachedInputUsdPerMillion: "0.05",
        source:
          "Switchyard: the built-in mock is priced small but not free, so that accounting and budgets show up in demos and load tests",
        asOf: "2025-07-01",
      },
      embed: {
        inputUsdPerMillion: "0.02",
        outputUsdPerMillion: "0",
        source:
          "Switchyard: the built-in mock embeddings are priced as OpenAI's text-embedding-3-small, so that accounting shows up in demos",
        asOf: "2026-12-01",
      },
    },
  },
};
