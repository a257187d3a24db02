/**
 * Canonical request + target → the HTTP request to Google's Generative Language API
 * (`POST {base}/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse`),
 * key in `x-goog-api-key` so it never appears in a URL or a log line. Pure.
 *
 * Translated: messages, tools, tool_choice, temperature, top_p, max tokens, stop, n, seed,
 * penalties, response_format. Dropped, as they change no answer's shape: user, logit_bias,
 * parallel_tool_calls, store, metadata, service_tier, reasoning_effort. Refused with a 400
 * naming the parameter: log probabilities and output other than text. Fields the OpenAI schema
 * does not know are Gemini's own (`safetySettings`, `cachedContent`, ...) and passed through; a
 * client `generationConfig` (e.g. `thinkingConfig`) is merged under the translated one.
 */
import { z } from "zod";
import {
  type ChatCompletionRequest,
  chatCompletionRequestSchema,
} from "../../protocols/openai/chat.ts";
import { type UnsupportedFeature, unsupportedFeatureError } from "../capabilities.ts";
import { ProviderError } from "../errors.ts";
import { trimBaseUrl, type UpstreamRequest } from "../http.ts";
import type { ProviderTarget } from "../types.ts";
import { toGeminiConversation } from "./convert-messages.ts";
import { toFunctionCallingConfig, toFunctionDeclarations } from "./convert-tools.ts";
import { toGeminiSchema } from "./schema.ts";

export const DEFAULT_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";
export const DEFAULT_GEMINI_API_VERSION = "v1beta";

/** What `config` of a gemini provider record may hold. */
export const geminiConfigSchema = z.looseObject({
  /** Extra headers for every call. */
  headers: z.record(z.string(), z.string()).optional(),
  /** `v1beta` (default: every feature) or `v1`. */
  apiVersion: z
    .string()
    .regex(/^v\d+(?:beta|alpha)?$/)
    .optional(),
});

export type GeminiConfig = z.infer<typeof geminiConfigSchema>;

/** Every field of the OpenAI request schema: anything else is the client's, passed through. */
const OPENAI_FIELDS: ReadonlySet<string> = new Set(Object.keys(chatCompletionRequestSchema.shape));

export function buildGenerateContentRequest(
  request: ChatCompletionRequest,
  target: ProviderTarget,
): UpstreamRequest {
  const stream = request.stream === true;
  const refuse = (feature: UnsupportedFeature): never => {
    throw unsupportedFeatureError(feature, target);
  };
  const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
  return geminiRequest(target, `${modelPath(target.model)}:${method}`, {
    accept: stream ? "text/event-stream" : "application/json",
    body: toGenerateContentBody(request, refuse),
  });
}

/** A POST to `{base}/{version}/{path}` with the key and the record's headers. */
export function geminiRequest(
  target: ProviderTarget,
  path: string,
  init: { accept: string; body: unknown },
): UpstreamRequest {
  const config = geminiConfigSchema.safeParse(target.config);
  if (!config.success) {
    throw misconfigured(
      target,
      "has an invalid config: `headers` must map names to strings, `apiVersion` be like v1beta",
    );
  }
  const headers: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(config.data.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    "content-type": "application/json",
    accept: init.accept,
  };
  if (target.apiKey) headers["x-goog-api-key"] = target.apiKey;
  const version = config.data.apiVersion ?? DEFAULT_GEMINI_API_VERSION;
  return {
    method: "POST",
    baseUrl: trimBaseUrl(target.baseUrl ?? DEFAULT_GEMINI_BASE_URL),
    path: `/${version}/${path}`,
    headers,
    body: JSON.stringify(init.body),
  };
}

/** `models/<model>`; a model named with its `models/` prefix (as Google lists them) keeps one. */
export function modelPath(model: string): string {
  return `models/${encodeURIComponent(model.replace(/^models\//, ""))}`;
}

export function toGenerateContentBody(
  request: ChatCompletionRequest,
  refuse: (feature: UnsupportedFeature) => never,
): Record<string, unknown> {
  if (request.logprobs === true || (request.top_logprobs ?? 0) > 0) {
    refuse({ param: "logprobs", what: "log probabilities" });
  }
  if (request.modalities?.some((modality) => modality !== "text")) {
    refuse({ param: "modalities", what: "output other than text" });
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (!OPENAI_FIELDS.has(key) && value !== null && value !== undefined) body[key] = value;
  }
  const conversation = toGeminiConversation(request.messages, refuse);
  body.contents = conversation.contents;
  if (conversation.systemInstruction) body.systemInstruction = conversation.systemInstruction;

  let declarations = toFunctionDeclarations(request.tools ?? [], refuse);
  if (declarations.length > 0) {
    const calling = toFunctionCallingConfig(request.tool_choice, refuse);
    if (calling?.mode === "AUTO" && calling.allowedFunctionNames) {
      const allowed = new Set(calling.allowedFunctionNames);
      declarations = declarations.filter((declaration) => allowed.has(declaration.name));
      delete calling.allowedFunctionNames;
    }
    body.tools = [{ functionDeclarations: declarations }];
    if (calling) body.toolConfig = { functionCallingConfig: calling };
  }

  const client = record(body.generationConfig);
  body.generationConfig = { ...client, ...generationConfig(request, refuse) };
  if (Object.keys(record(body.generationConfig)).length === 0) delete body.generationConfig;
  return body;
}

function generationConfig(
  request: ChatCompletionRequest,
  refuse: (feature: UnsupportedFeature) => never,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (typeof request.temperature === "number") config.temperature = request.temperature;
  if (typeof request.top_p === "number") config.topP = request.top_p;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") config.maxOutputTokens = maxTokens;
  if (typeof request.stop === "string") config.stopSequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0) {
    config.stopSequences = request.stop;
  }
  if ((request.n ?? 1) > 1) config.candidateCount = request.n;
  if (typeof request.seed === "number") config.seed = request.seed;
  if (typeof request.presence_penalty === "number") {
    config.presencePenalty = request.presence_penalty;
  }
  if (typeof request.frequency_penalty === "number") {
    config.frequencyPenalty = request.frequency_penalty;
  }
  const format = request.response_format;
  if (format?.type === "json_object") config.responseMimeType = "application/json";
  if (format?.type === "json_schema") {
    config.responseMimeType = "application/json";
    const schema = format.json_schema.schema;
    if (schema) {
      config.responseSchema = toGeminiSchema(schema, "response_format.json_schema.schema", refuse);
    }
  }
  return config;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function misconfigured(target: ProviderTarget, problem: string): ProviderError {
  return new ProviderError({
    kind: "misconfigured",
    message: `Provider '${target.name}' (${target.kind}) ${problem}.`,
    status: 500,
    retryable: false,
  });
}
