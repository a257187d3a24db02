/**
 * The Chat Completions request body (https://platform.openai.com/docs/api-reference/chat/create).
 *
 * This is the gateway's canonical request: every adapter translates from it. Parameters are
 * `nullish` because OpenAI treats an explicit `null` as "not set" and SDKs send it. Unknown
 * top-level fields are kept (loose object) and forwarded to OpenAI-compatible upstreams.
 */
import { z } from "zod";
import { chatMessageSchema } from "./messages.ts";

export const functionToolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().nullish(),
    /** A JSON Schema object; passed through untouched. */
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

export const customToolSchema = z.looseObject({
  type: z.literal("custom"),
  custom: z.looseObject({
    name: z.string().min(1),
    description: z.string().nullish(),
    format: z.record(z.string(), z.unknown()).nullish(),
  }),
});

export const toolSchema = z.discriminatedUnion("type", [functionToolSchema, customToolSchema]);

const namedToolChoiceSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1) }),
});

const namedCustomToolChoiceSchema = z.looseObject({
  type: z.literal("custom"),
  custom: z.looseObject({ name: z.string().min(1) }),
});

const allowedToolsChoiceSchema = z.looseObject({
  type: z.literal("allowed_tools"),
  allowed_tools: z.looseObject({
    mode: z.enum(["auto", "required"]),
    tools: z.array(z.record(z.string(), z.unknown())),
  }),
});

export const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.discriminatedUnion("type", [
    namedToolChoiceSchema,
    namedCustomToolChoiceSchema,
    allowedToolsChoiceSchema,
  ]),
]);

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({
      name: z.string().min(1),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const penalty = z.number().min(-2).max(2).nullish();

/**
 * A model name, as routing looks it up, usage records store it and `x-switchyard-model` echoes
 * it: 1 to 256 visible ASCII characters (letters, digits, punctuation; no spaces, no control
 * characters). Every provider's model ids and every alias fit; anything else is refused here,
 * before a provider is called or a header is written.
 */
export const MAX_MODEL_NAME_CHARS = 256;
export const modelNameSchema = z
  .string()
  .min(1)
  .max(MAX_MODEL_NAME_CHARS)
  .regex(/^[\x21-\x7e]+$/, {
    error:
      "a model name may contain only visible ASCII characters (letters, digits and punctuation), no spaces or control characters",
  });

export const chatCompletionRequestSchema = z.looseObject({
  model: modelNameSchema,
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  /** Deprecated by OpenAI for `max_completion_tokens`; still what most compatible APIs read. */
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.int().min(1).max(128).nullish(),
  seed: z.int().nullish(),
  user: z.string().nullish(),
  presence_penalty: penalty,
  frequency_penalty: penalty,
  logit_bias: z.record(z.string(), z.number()).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormatSchema.nullish(),
  /** A string, not an enum: OpenAI adds levels ("minimal", "none", ...) faster than gateways. */
  reasoning_effort: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  store: z.boolean().nullish(),
  service_tier: z.string().nullish(),
  modalities: z.array(z.string()).nullish(),
});

export type Tool = z.infer<typeof toolSchema>;
export type ToolChoice = z.infer<typeof toolChoiceSchema>;
export type ResponseFormat = z.infer<typeof responseFormatSchema>;
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
