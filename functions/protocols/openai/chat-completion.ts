/**
 * The Chat Completions response (`object: "chat.completion"`), exactly as the gateway returns it
 * to clients (https://platform.openai.com/docs/api-reference/chat/object). Adapters produce
 * values of these types; upstream answers are validated with each adapter's own, more lenient
 * schema and normalised into these.
 */
import { z } from "zod";
import { toolCallSchema } from "./messages.ts";

export const finishReasonSchema = z.enum([
  "stop",
  "length",
  "tool_calls",
  "content_filter",
  "function_call",
]);

export const wireUsageSchema = z.looseObject({
  prompt_tokens: z.int().min(0),
  completion_tokens: z.int().min(0),
  total_tokens: z.int().min(0),
  prompt_tokens_details: z
    .looseObject({ cached_tokens: z.int().min(0).nullish(), audio_tokens: z.int().nullish() })
    .nullish(),
  completion_tokens_details: z
    .looseObject({ reasoning_tokens: z.int().min(0).nullish(), audio_tokens: z.int().nullish() })
    .nullish(),
});

export const completionMessageSchema = z.looseObject({
  role: z.literal("assistant"),
  content: z.string().nullable(),
  refusal: z.string().nullish(),
  tool_calls: z.array(toolCallSchema).nullish(),
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).nullish(),
  annotations: z.array(z.unknown()).nullish(),
});

export const completionChoiceSchema = z.looseObject({
  index: z.int().min(0),
  message: completionMessageSchema,
  finish_reason: finishReasonSchema,
  logprobs: z.unknown().nullish(),
});

export const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.int(),
  model: z.string(),
  choices: z.array(completionChoiceSchema),
  usage: wireUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});

export type FinishReason = z.infer<typeof finishReasonSchema>;
/** Token usage in OpenAI's wire shape (`usage` of a completion or of the last stream chunk). */
export type WireUsage = z.infer<typeof wireUsageSchema>;
export type CompletionMessage = z.infer<typeof completionMessageSchema>;
export type CompletionChoice = z.infer<typeof completionChoiceSchema>;
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;
