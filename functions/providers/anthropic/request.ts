/**
 * Canonical request + target → the HTTP request to Anthropic's Messages API. Pure.
 *
 * Parameters with an Anthropic equivalent are translated (max tokens, stop, tools, tool_choice,
 * parallel_tool_calls, user); sampling hints Anthropic has no knob for (seed, penalties,
 * logit_bias) are dropped, as they change no answer's shape; what would change it (several
 * choices, log probabilities, audio) is refused with a 400 naming the parameter. JSON mode and
 * JSON schemas become a forced tool (./json-output.ts).
 * Fields the OpenAI schema does not know (`top_k`, `thinking`, ...) are passed through.
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
import { type AnthropicConversation, toAnthropicConversation } from "./convert-messages.ts";
import { toAnthropicToolChoice, toAnthropicTools } from "./convert-tools.ts";
import { jsonOutputOf, withJsonTool } from "./json-output.ts";

/** The API version this adapter speaks (https://docs.anthropic.com/en/api/versioning). */
export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";
export const DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";
/**
 * Anthropic requires `max_tokens`; OpenAI clients often send none. 4096 fits every current
 * Claude model's output limit.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** What `config` of an anthropic provider record may hold. */
const configSchema = z.looseObject({
  /** Extra headers for every call (e.g. `anthropic-beta`). */
  headers: z.record(z.string(), z.string()).optional(),
  anthropicVersion: z.string().min(1).optional(),
  defaultMaxTokens: z.int().min(1).optional(),
});

/** Every field of the OpenAI request schema: anything else is the client's, passed through. */
const OPENAI_FIELDS: ReadonlySet<string> = new Set(Object.keys(chatCompletionRequestSchema.shape));

export function buildMessagesRequest(
  request: ChatCompletionRequest,
  target: ProviderTarget,
): UpstreamRequest {
  const config = configOf(target);
  const refuse = (feature: UnsupportedFeature): never => {
    throw unsupportedFeatureError(feature, target);
  };
  const body = toMessagesBody(request, target.model, refuse, config.defaultMaxTokens);
  return {
    method: "POST",
    baseUrl: trimBaseUrl(target.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL),
    path: "/v1/messages",
    headers: messagesHeaders(target, request.stream === true),
    body: JSON.stringify(body),
  };
}

/** The headers of every call to `target`: its configured ones, version, key, content types. */
export function messagesHeaders(target: ProviderTarget, stream: boolean): Record<string, string> {
  const config = configOf(target);
  const headers: Record<string, string> = {
    ...lowercaseKeys(config.headers ?? {}),
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-version": config.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION,
  };
  if (target.apiKey) headers["x-api-key"] = target.apiKey;
  return headers;
}

function configOf(target: ProviderTarget): z.infer<typeof configSchema> {
  const config = configSchema.safeParse(target.config);
  if (!config.success) {
    throw misconfigured(
      target,
      "has an invalid config: `headers` must map names to strings, `anthropicVersion` be a string, `defaultMaxTokens` a positive integer",
    );
  }
  return config.data;
}

/** The Messages API body for `request`. */
export function toMessagesBody(
  request: ChatCompletionRequest,
  model: string,
  refuse: (feature: UnsupportedFeature) => never,
  defaultMaxTokens = DEFAULT_MAX_TOKENS,
): Record<string, unknown> {
  if ((request.n ?? 1) > 1) refuse({ param: "n", what: "more than one choice per call (`n` > 1)" });
  if (request.logprobs === true || (request.top_logprobs ?? 0) > 0) {
    refuse({ param: "logprobs", what: "log probabilities" });
  }
  if (request.modalities?.some((modality) => modality !== "text")) {
    refuse({ param: "modalities", what: "output other than text" });
  }
  const conversation: AnthropicConversation = toAnthropicConversation(request.messages, refuse);
  // OpenAI fields are translated below or, with no Anthropic knob that matters to the answer's
  // shape, left out: seed, presence/frequency penalties, logit_bias, store, metadata,
  // service_tier, reasoning_effort, stream_options.
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (!OPENAI_FIELDS.has(key) && value !== null && value !== undefined) body[key] = value;
  }
  body.model = model;
  body.max_tokens = request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens;
  body.messages = conversation.messages;
  if (conversation.system !== null) body.system = conversation.system;
  if (request.stream === true) body.stream = true;
  if (typeof request.temperature === "number") body.temperature = request.temperature;
  if (typeof request.top_p === "number") body.top_p = request.top_p;
  if (typeof request.stop === "string") body.stop_sequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0)
    body.stop_sequences = request.stop;
  if (request.user) body.metadata = { user_id: request.user };
  const tools = toAnthropicTools(request.tools ?? [], refuse);
  const choice =
    tools.length > 0
      ? toAnthropicToolChoice(request.tool_choice, request.parallel_tool_calls, refuse)
      : null;
  const json = jsonOutputOf(request, refuse);
  if (json) {
    const forced = withJsonTool(json, tools, choice, refuse);
    body.tools = forced.tools;
    body.tool_choice = forced.toolChoice;
  } else if (tools.length > 0) {
    body.tools = tools;
    if (choice) body.tool_choice = choice;
  }
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
