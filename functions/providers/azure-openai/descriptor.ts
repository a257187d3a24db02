/**
 * Azure OpenAI: OpenAI's wire format behind per-deployment URLs
 * (https://learn.microsoft.com/azure/ai-services/openai/reference).
 */
import type { ProviderDescriptor } from "../descriptor.ts";
import { azureOpenAIAdapter } from "./adapter.ts";

export const azureOpenAIDescriptor: ProviderDescriptor = {
  kind: "azure-openai",
  displayName: "Azure OpenAI",
  protocol: "azure-openai-chat",
  adapter: azureOpenAIAdapter,
  // Each Azure resource has its own endpoint: https://<resource>.openai.azure.com
  defaultBaseUrl: null,
  requiresBaseUrl: true,
  authHeader: "api-key",
  // The variables the official `openai` SDK's AzureOpenAI client reads.
  env: {
    apiKey: "AZURE_OPENAI_API_KEY",
    baseUrl: "AZURE_OPENAI_ENDPOINT",
    config: { apiVersion: "OPENAI_API_VERSION" },
  },
  capabilities: {
    tools: true,
    vision: true,
    jsonSchema: true,
    multipleChoices: true,
    streamingUsage: true,
    embeddings: true,
  },
  prices: { dataset: "azure" },
};
