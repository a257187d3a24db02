/**
 * Canonical request + target → the HTTP request to an Azure OpenAI deployment. Pure.
 * (https://learn.microsoft.com/azure/ai-services/openai/reference#chat-completions)
 *
 * Azure addresses a model by deployment, in the path, and the API version in the query:
 * `{baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=...`, with the key in
 * an `api-key` header. The body is OpenAI's, so the compatible adapter's body builder serves.
 * The deployment is the requested model's entry in `config.deployments`, else the model name
 * itself: `azure/gpt-4o` calls the deployment `gpt-4o` unless config maps it elsewhere, so usage
 * and prices can stay keyed by the model's real name.
 */
import { z } from "zod";
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import { ProviderError } from "../errors.ts";
import { trimBaseUrl, type UpstreamRequest } from "../http.ts";
import { upstreamBody } from "../openai-compatible/request.ts";
import type { ProviderTarget } from "../types.ts";

/** The latest generally available data-plane version when this adapter was written. */
export const DEFAULT_AZURE_API_VERSION = "2024-10-21";

const configSchema = z.looseObject({
  headers: z.record(z.string(), z.string()).optional(),
  apiVersion: z
    .string()
    .regex(/^[0-9a-z.-]+$/i)
    .optional(),
  /** Model name → deployment name. */
  deployments: z.record(z.string(), z.string().min(1)).optional(),
});

export function buildAzureChatRequest(
  request: ChatCompletionRequest,
  target: ProviderTarget,
): UpstreamRequest {
  if (target.baseUrl === null || target.baseUrl.trim() === "") {
    throw misconfigured(
      target,
      "has no base URL; set baseUrl to the resource endpoint (https://<resource>.openai.azure.com)",
    );
  }
  const config = configSchema.safeParse(target.config);
  if (!config.success) {
    throw misconfigured(
      target,
      "has an invalid config: `headers` and `deployments` must map names to strings, `apiVersion` be a version like 2024-10-21",
    );
  }
  const deployment = config.data.deployments?.[target.model] ?? target.model;
  const version = config.data.apiVersion ?? DEFAULT_AZURE_API_VERSION;
  const stream = request.stream === true;
  const headers: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(config.data.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  if (target.apiKey) headers["api-key"] = target.apiKey;
  return {
    method: "POST",
    baseUrl: trimBaseUrl(target.baseUrl),
    path: `/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(version)}`,
    headers,
    body: JSON.stringify(upstreamBody(request, target.model, {})),
  };
}

function misconfigured(target: ProviderTarget, problem: string): ProviderError {
  return new ProviderError({
    kind: "misconfigured",
    message: `Provider '${target.name}' (${target.kind}) ${problem}.`,
    status: 500,
    retryable: false,
  });
}
