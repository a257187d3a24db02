/**
 * Azure OpenAI embeddings: the deployment's `/embeddings` beside its `/chat/completions`
 * (https://learn.microsoft.com/azure/ai-services/openai/reference#embeddings), same deployment
 * mapping, API version and `api-key` header; the body is OpenAI's. Pure.
 */
import type { EmbeddingsRequest } from "../../protocols/openai/embeddings.ts";
import type { UpstreamRequest } from "../http.ts";
import { embeddingsBody } from "../openai-compatible/embeddings.ts";
import type { ProviderTarget } from "../types.ts";
import { buildAzureChatRequest } from "./request.ts";

export function buildAzureEmbeddingsRequest(
  request: EmbeddingsRequest,
  target: ProviderTarget,
): UpstreamRequest {
  // The chat request's address and headers, validated the same way; only the operation differs.
  const chat = buildAzureChatRequest({ model: target.model, messages: [] }, target);
  return {
    ...chat,
    path: chat.path.replace("/chat/completions?", "/embeddings?"),
    headers: { ...chat.headers, accept: "application/json" },
    body: JSON.stringify(embeddingsBody(request, target.model, {})),
  };
}
