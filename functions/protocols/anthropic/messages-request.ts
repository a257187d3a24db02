/**
 * The Anthropic Messages request body (https://docs.anthropic.com/en/api/messages), as
 * `POST /v1/messages` accepts it.
 *
 * Objects are loose, like the OpenAI schemas beside this folder: fields this gateway does not
 * model are kept, so a top-level one reaches the provider (./to-chat-request.ts copies it) rather
 * than vanishing. Discriminators (`role`, block `type`) are strict, because the translation must
 * know what it is translating; a block type it does not know is a 400 naming the field.
 */
import { z } from "zod";
import { modelNameSchema } from "../openai/chat.ts";

/** `cache_control` is a hint to Anthropic's prompt cache; kept on the wire, not translated. */
const cacheControlSchema = z.looseObject({ type: z.string() }).nullish();

export const textBlockSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string(),
  cache_control: cacheControlSchema,
});

const base64SourceSchema = z.looseObject({
  type: z.literal("base64"),
  media_type: z.string().min(1),
  data: z.string().min(1),
});

const urlSourceSchema = z.looseObject({
  type: z.literal("url"),
  url: z.string().min(1),
});

export const imageBlockSchema = z.looseObject({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [base64SourceSchema, urlSourceSchema]),
  cache_control: cacheControlSchema,
});

const textSourceSchema = z.looseObject({
  type: z.literal("text"),
  media_type: z.string().nullish(),
  data: z.string(),
});

export const documentBlockSchema = z.looseObject({
  type: z.literal("document"),
  source: z.discriminatedUnion("type", [base64SourceSchema, urlSourceSchema, textSourceSchema]),
  title: z.string().nullish(),
  cache_control: cacheControlSchema,
});

export const toolUseBlockSchema = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
  cache_control: cacheControlSchema,
});

export const toolResultBlockSchema = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.union([textBlockSchema, imageBlockSchema]))]).nullish(),
  is_error: z.boolean().nullish(),
  cache_control: cacheControlSchema,
});

/** A model's earlier reasoning, sent back in a multi-turn conversation. */
export const thinkingBlockSchema = z.looseObject({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string().nullish(),
});

export const redactedThinkingBlockSchema = z.looseObject({
  type: z.literal("redacted_thinking"),
  data: z.string(),
});

const userBlockSchema = z.discriminatedUnion("type", [
  textBlockSchema,
  imageBlockSchema,
  documentBlockSchema,
  toolResultBlockSchema,
]);

const assistantBlockSchema = z.discriminatedUnion("type", [
  textBlockSchema,
  toolUseBlockSchema,
  thinkingBlockSchema,
  redactedThinkingBlockSchema,
]);

export const userMessageSchema = z.looseObject({
  role: z.literal("user"),
  content: z.union([z.string(), z.array(userBlockSchema)]),
});

export const assistantMessageSchema = z.looseObject({
  role: z.literal("assistant"),
  content: z.union([z.string(), z.array(assistantBlockSchema)]),
});

export const inputMessageSchema = z.discriminatedUnion("role", [
  userMessageSchema,
  assistantMessageSchema,
]);

/**
 * A client tool (`type` absent or "custom"). Anthropic's server tools (`web_search_...`,
 * `bash_...`, `text_editor_...`) carry a versioned `type` and no `input_schema`; they are
 * accepted here and refused by the translation with a message naming the tool.
 */
export const toolSchema = z.looseObject({
  type: z.string().nullish(),
  name: z.string().min(1),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()).nullish(),
  cache_control: cacheControlSchema,
});

export const toolChoiceSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({
    type: z.literal("tool"),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().nullish(),
  }),
  z.looseObject({ type: z.literal("none") }),
]);

export const messagesRequestSchema = z.looseObject({
  model: modelNameSchema,
  messages: z.array(inputMessageSchema).min(1),
  /** Required by Anthropic: there is no default output cap. */
  max_tokens: z.int().min(1),
  system: z.union([z.string(), z.array(textBlockSchema)]).nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
});

export type TextBlock = z.infer<typeof textBlockSchema>;
export type ImageBlock = z.infer<typeof imageBlockSchema>;
export type DocumentBlock = z.infer<typeof documentBlockSchema>;
export type ToolUseBlock = z.infer<typeof toolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof toolResultBlockSchema>;
export type UserBlock = z.infer<typeof userBlockSchema>;
export type AssistantBlock = z.infer<typeof assistantBlockSchema>;
export type InputMessage = z.infer<typeof inputMessageSchema>;
export type AnthropicTool = z.infer<typeof toolSchema>;
export type AnthropicToolChoice = z.infer<typeof toolChoiceSchema>;
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
