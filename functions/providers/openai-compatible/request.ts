/**
 * Canonical request + target → the HTTP request to an OpenAI-compatible upstream. Pure.
 */
import { z } from "zod";
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import { ProviderError } from "../errors.ts";
import { trimBaseUrl, type UpstreamRequest } from "../http.ts";
import type { ProviderTarget } from "../types.ts";
import type { OpenAICompatiblePreset } from "./presets.ts";

/** What `config` of an OpenAI-compatible provider record may hold. */
const configSchema = z.looseObject({
  /** Extra headers for every call (e.g. OpenRouter's HTTP-Referer / X-Title, OpenAI-Project). */
  headers: z.record(z.string(), z.string()).optional(),
});

export function buildChatRequest(
  request: ChatCompletionRequest,
  target: ProviderTarget,
  preset: OpenAICompatiblePreset,
): UpstreamRequest {
  const baseUrl = target.baseUrl ?? preset.defaultBaseUrl;
  if (baseUrl === null || baseUrl.trim() === "") {
    throw misconfigured(target, "has no base URL; set baseUrl on the provider");
  }
  const config = configSchema.safeParse(target.config);
  if (!config.success) {
    throw misconfigured(target, "has an invalid config: `headers` must map names to strings");
  }
  const stream = request.stream === true;
  const headers: Record<string, string> = {
    ...lowercaseKeys(config.data.headers ?? {}),
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  if (target.apiKey !== null && target.apiKey !== "") {
    headers.authorization = `Bearer ${target.apiKey}`;
  }
  return {
    method: "POST",
    baseUrl: trimBaseUrl(baseUrl),
    path: "/chat/completions",
    headers,
    body: JSON.stringify(upstreamBody(request, target.model, preset)),
  };
}

/**
 * The body sent upstream: the client's request with the deployment's model, nulls removed
 * (OpenAI reads null as unset; stricter APIs refuse it), and on streams
 * `stream_options.include_usage` forced on, so every stream ends with the usage we bill.
 */
export function upstreamBody(
  request: ChatCompletionRequest,
  model: string,
  preset: Pick<OpenAICompatiblePreset, "renameParams" | "dropParams">,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value !== null && value !== undefined) body[key] = value;
  }
  body.model = model;
  if (request.stream === true) {
    body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  } else {
    // OpenAI refuses stream_options on a non-streaming call.
    delete body.stream;
    delete body.stream_options;
  }
  for (const [from, to] of Object.entries(preset.renameParams ?? {})) {
    if (!(from in body)) continue;
    if (!(to in body)) body[to] = body[from];
    delete body[from];
  }
  for (const key of preset.dropParams ?? []) delete body[key];
  return body;
}

function lowercaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function misconfigured(target: ProviderTarget, problem: string): ProviderError {
  return new ProviderError({
    kind: "misconfigured",
    message: `Provider '${target.name}' (${target.kind}) ${problem}.`,
    status: 500,
    retryable: false,
  });
}
