/** Azure OpenAI: OpenAI's bodies, streams and errors, addressed per deployment (request.ts). */
import { createOpenAIChatAdapter } from "../openai-compatible/adapter.ts";
import { buildAzureEmbeddingsRequest } from "./embeddings.ts";
import { buildAzureChatRequest } from "./request.ts";

export const azureOpenAIAdapter = createOpenAIChatAdapter(
  "azure-openai",
  buildAzureChatRequest,
  buildAzureEmbeddingsRequest,
);
