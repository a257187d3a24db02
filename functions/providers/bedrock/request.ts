/**
 * Canonical request + target → the signed HTTP request to Bedrock's Converse or ConverseStream
 * (`POST /model/{modelId}/converse[-stream]`). The body is pure translation; signing is the one
 * async step (WebCrypto).
 *
 * Parameters with a Converse equivalent are translated (max tokens, temperature, top_p, stop,
 * tools, tool_choice); hints with none that leave the answer's shape alone (seed, penalties,
 * logit_bias, user, parallel_tool_calls) are dropped; what would change the shape (several
 * choices, log probabilities, JSON mode, audio) is refused with a 400 naming the parameter.
 * Fields the OpenAI schema does not know go to `additionalModelRequestFields` (e.g. Claude's
 * `top_k`, `thinking`), except Converse's own top-level fields (`guardrailConfig`, ...), which
 * are passed as they are.
 */
import {
  type ChatCompletionRequest,
  chatCompletionRequestSchema,
} from "../../protocols/openai/chat.ts";
import { type UnsupportedFeature, unsupportedFeatureError } from "../capabilities.ts";
import type { UpstreamRequest } from "../http.ts";
import type { ProviderTarget } from "../types.ts";
import { hasToolBlocks, toConverseConversation } from "./convert-messages.ts";
import { toConverseToolChoice, toConverseTools } from "./convert-tools.ts";
import { bedrockEndpoint } from "./credentials.ts";
import { signRequest } from "./sign.ts";

/** Every field of the OpenAI request schema: anything else is the client's, passed through. */
const OPENAI_FIELDS: ReadonlySet<string> = new Set(Object.keys(chatCompletionRequestSchema.shape));

/** Top-level Converse fields a client may set directly. */
const CONVERSE_FIELDS: ReadonlySet<string> = new Set([
  "guardrailConfig",
  "performanceConfig",
  "promptVariables",
  "requestMetadata",
  "additionalModelRequestFields",
  "additionalModelResponseFieldPaths",
]);

export async function buildConverseRequest(
  request: ChatCompletionRequest,
  target: ProviderTarget,
  now: Date = new Date(),
): Promise<UpstreamRequest> {
  const endpoint = bedrockEndpoint(target);
  const refuse = (feature: UnsupportedFeature): never => {
    throw unsupportedFeatureError(feature, target);
  };
  const body = toConverseBody(request, refuse);
  const stream = request.stream === true;
  const unsigned: UpstreamRequest = {
    method: "POST",
    baseUrl: endpoint.baseUrl,
    // Model ids hold `:` and ARNs `/`: one path segment, percent-encoded as the AWS SDK sends it.
    path: `/model/${encodeURIComponent(target.model)}/${stream ? "converse-stream" : "converse"}`,
    headers: {
      ...endpoint.headers,
      "content-type": "application/json",
      accept: stream ? "application/vnd.amazon.eventstream" : "application/json",
    },
    body: new TextEncoder().encode(JSON.stringify(body)),
  };
  return signRequest(unsigned, endpoint.credentials, endpoint.region, now);
}

/** The Converse body for `request` (the model is in the path, not the body). */
export function toConverseBody(
  request: ChatCompletionRequest,
  refuse: (feature: UnsupportedFeature) => never,
): Record<string, unknown> {
  if ((request.n ?? 1) > 1) refuse({ param: "n", what: "more than one choice per call (`n` > 1)" });
  if (request.logprobs === true || (request.top_logprobs ?? 0) > 0) {
    refuse({ param: "logprobs", what: "log probabilities" });
  }
  const format = request.response_format?.type;
  if (format === "json_object" || format === "json_schema") {
    refuse({ param: "response_format", what: `\`response_format\` of type ${format}` });
  }
  if (request.modalities?.some((modality) => modality !== "text")) {
    refuse({ param: "modalities", what: "output other than text" });
  }
  const conversation = toConverseConversation(request.messages, refuse);
  const body: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (OPENAI_FIELDS.has(key) || value === null || value === undefined) continue;
    if (CONVERSE_FIELDS.has(key)) body[key] = value;
    else extra[key] = value;
  }
  if (Object.keys(extra).length > 0) {
    const given = body.additionalModelRequestFields;
    body.additionalModelRequestFields = {
      ...(typeof given === "object" && given !== null ? given : {}),
      ...extra,
    };
  }
  body.messages = conversation.messages;
  if (conversation.system.length > 0) body.system = conversation.system;
  const inference = inferenceConfig(request);
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  const tools = toConverseTools(request.tools ?? [], refuse);
  if (tools.length > 0) {
    if (request.tool_choice !== "none") {
      const choice = toConverseToolChoice(request.tool_choice, refuse);
      body.toolConfig = { tools, ...(choice ? { toolChoice: choice } : {}) };
    } else if (hasToolBlocks(conversation)) {
      // Converse has no "none": without the tools the model cannot call one, but a conversation
      // holding tool calls must declare its tools, which would let the model call them.
      refuse({
        param: "tool_choice",
        what: '`tool_choice: "none"` in a conversation with tool calls',
      });
    }
  }
  return body;
}

function inferenceConfig(request: ChatCompletionRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") config.maxTokens = maxTokens;
  if (typeof request.temperature === "number") config.temperature = request.temperature;
  if (typeof request.top_p === "number") config.topP = request.top_p;
  if (typeof request.stop === "string") config.stopSequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0) {
    config.stopSequences = request.stop;
  }
  return config;
}
