/**
 * Chat Completions messages and content parts, as the OpenAI API reference defines them
 * (https://platform.openai.com/docs/api-reference/chat/create, `messages`).
 *
 * Objects are loose: fields this gateway does not know are kept and passed upstream, so a
 * client using a newer OpenAI feature is not refused by the gateway. Discriminators (`role`,
 * `type`) are strict, because an adapter must know what it is translating.
 */
import { z } from "zod";

export const textPartSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string(),
});

export const imagePartSchema = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({
    /** An https URL or a `data:image/...;base64,` URL. */
    url: z.string().min(1),
    detail: z.enum(["auto", "low", "high"]).nullish(),
  }),
});

export const audioPartSchema = z.looseObject({
  type: z.literal("input_audio"),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});

export const filePartSchema = z.looseObject({
  type: z.literal("file"),
  file: z.looseObject({
    file_data: z.string().nullish(),
    file_id: z.string().nullish(),
    filename: z.string().nullish(),
  }),
});

export const refusalPartSchema = z.looseObject({
  type: z.literal("refusal"),
  refusal: z.string(),
});

const userPartSchema = z.discriminatedUnion("type", [
  textPartSchema,
  imagePartSchema,
  audioPartSchema,
  filePartSchema,
]);
const assistantPartSchema = z.discriminatedUnion("type", [textPartSchema, refusalPartSchema]);

const textContentSchema = z.union([z.string(), z.array(textPartSchema)]);

export const functionToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

export const customToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal("custom"),
  custom: z.looseObject({ name: z.string(), input: z.string() }),
});

export const toolCallSchema = z.discriminatedUnion("type", [
  functionToolCallSchema,
  customToolCallSchema,
]);

export const systemMessageSchema = z.looseObject({
  role: z.literal("system"),
  content: textContentSchema,
  name: z.string().nullish(),
});

export const developerMessageSchema = z.looseObject({
  role: z.literal("developer"),
  content: textContentSchema,
  name: z.string().nullish(),
});

export const userMessageSchema = z.looseObject({
  role: z.literal("user"),
  content: z.union([z.string(), z.array(userPartSchema)]),
  name: z.string().nullish(),
});

export const assistantMessageSchema = z.looseObject({
  role: z.literal("assistant"),
  content: z.union([z.string(), z.array(assistantPartSchema)]).nullish(),
  refusal: z.string().nullish(),
  name: z.string().nullish(),
  tool_calls: z.array(toolCallSchema).nullish(),
  /** Deprecated by OpenAI in favour of `tool_calls`; still accepted. */
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).nullish(),
});

export const toolMessageSchema = z.looseObject({
  role: z.literal("tool"),
  content: textContentSchema,
  tool_call_id: z.string(),
});

/** Deprecated by OpenAI in favour of `tool` messages; still accepted. */
export const functionMessageSchema = z.looseObject({
  role: z.literal("function"),
  content: z.string().nullable(),
  name: z.string(),
});

export const chatMessageSchema = z.discriminatedUnion("role", [
  systemMessageSchema,
  developerMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
  functionMessageSchema,
]);

export type TextPart = z.infer<typeof textPartSchema>;
export type ImagePart = z.infer<typeof imagePartSchema>;
export type UserContentPart = z.infer<typeof userPartSchema>;
export type AssistantContentPart = z.infer<typeof assistantPartSchema>;
export type ToolCall = z.infer<typeof toolCallSchema>;
export type FunctionToolCall = z.infer<typeof functionToolCallSchema>;
export type SystemMessage = z.infer<typeof systemMessageSchema>;
export type DeveloperMessage = z.infer<typeof developerMessageSchema>;
export type UserMessage = z.infer<typeof userMessageSchema>;
export type AssistantMessage = z.infer<typeof assistantMessageSchema>;
export type ToolMessage = z.infer<typeof toolMessageSchema>;
export type FunctionMessage = z.infer<typeof functionMessageSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatRole = ChatMessage["role"];
