/**
 * Requests a provider cannot serve, refused before it is called with a 400 that names the
 * parameter (rather than an upstream error, or worse, a silently different answer: Ollama
 * ignores `n`, a text-only model would drop the image). Pure.
 */
import type { ChatCompletionRequest } from "../protocols/openai/chat.ts";
import type { ProviderCapabilities } from "./descriptor.ts";
import { ProviderError } from "./errors.ts";
import type { ProviderAdapter, ProviderTarget } from "./types.ts";

export interface UnsupportedFeature {
  /** The request parameter to change, as OpenAI names it in `error.param`. */
  param: string;
  what: string;
}

export function unsupportedFeature(
  request: ChatCompletionRequest,
  capabilities: ProviderCapabilities,
): UnsupportedFeature | null {
  if (!capabilities.multipleChoices && (request.n ?? 1) > 1) {
    return { param: "n", what: "more than one choice per call (`n` > 1)" };
  }
  if (!capabilities.tools && (request.tools?.length ?? 0) > 0) {
    return { param: "tools", what: "tools" };
  }
  if (!capabilities.jsonSchema && request.response_format?.type === "json_schema") {
    return { param: "response_format", what: "`response_format` of type json_schema" };
  }
  if (!capabilities.vision) {
    for (const [position, message] of request.messages.entries()) {
      if (message.role !== "user" || typeof message.content === "string") continue;
      const image = message.content.findIndex((part) => part.type === "image_url");
      if (image >= 0) return { param: `messages[${position}].content[${image}]`, what: "images" };
    }
  }
  return null;
}

export function unsupportedFeatureError(
  feature: UnsupportedFeature,
  target: ProviderTarget,
): ProviderError {
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' (${target.kind}) cannot serve ${feature.what}; change \`${feature.param}\` or use another model.`,
    status: 400,
    // The request is the client's to change; another call to this deployment would fail alike.
    retryable: false,
    type: "invalid_request_error",
    code: "unsupported_parameter",
    param: feature.param,
  });
}

/** `adapter`, refusing up front what a provider of these capabilities cannot serve. */
export function withCapabilityCheck(
  adapter: ProviderAdapter,
  capabilities: ProviderCapabilities,
): ProviderAdapter {
  return {
    ...adapter,
    async chatCompletion(request, target, options) {
      const feature = unsupportedFeature(request, capabilities);
      if (feature) throw unsupportedFeatureError(feature, target);
      return adapter.chatCompletion(request, target, options);
    },
    // A native request is the upstream's own protocol: the upstream judges what it can serve.
    ...(adapter.native ? { native: adapter.native } : {}),
  };
}
