/**
 * The streamed Chat Completions chunk (`object: "chat.completion.chunk"`), exactly as the gateway
 * sends it to clients (https://platform.openai.com/docs/api-reference/chat-streaming).
 *
 * With `stream_options.include_usage`, the last chunk before `data: [DONE]` carries `usage` and
 * an empty `choices` array; `usageChunk` builds it.
 */
import { z } from "zod";
import { finishReasonSchema, type WireUsage, wireUsageSchema } from "./chat-completion.ts";

export const toolCallDeltaSchema = z.looseObject({
  index: z.int().min(0),
  id: z.string().nullish(),
  type: z.literal("function").nullish(),
  function: z
    .looseObject({ name: z.string().nullish(), arguments: z.string().nullish() })
    .nullish(),
});

export const chunkDeltaSchema = z.looseObject({
  role: z.literal("assistant").nullish(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(toolCallDeltaSchema).nullish(),
  function_call: z
    .looseObject({ name: z.string().nullish(), arguments: z.string().nullish() })
    .nullish(),
});

export const chunkChoiceSchema = z.looseObject({
  index: z.int().min(0),
  delta: chunkDeltaSchema,
  finish_reason: finishReasonSchema.nullable(),
  logprobs: z.unknown().nullish(),
});

export const chatCompletionChunkSchema = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.int(),
  model: z.string(),
  choices: z.array(chunkChoiceSchema),
  usage: wireUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});

export type ToolCallDelta = z.infer<typeof toolCallDeltaSchema>;
export type ChunkDelta = z.infer<typeof chunkDeltaSchema>;
export type ChunkChoice = z.infer<typeof chunkChoiceSchema>;
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

/** Identity shared by every chunk of one stream. */
export interface StreamIdentity {
  id: string;
  created: number;
  model: string;
}

/** The final `choices: []` chunk that carries the stream's usage. */
export function usageChunk(identity: StreamIdentity, usage: WireUsage): ChatCompletionChunk {
  return {
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    choices: [],
    usage,
  };
}
