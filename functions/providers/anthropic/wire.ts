/**
 * What Anthropic's Messages API sends back (https://docs.anthropic.com/en/api/messages and
 * /en/docs/build-with-claude/streaming), validated leniently: objects are loose, block and event
 * types Anthropic adds later are kept as "other" and skipped rather than refused.
 */
import { z } from "zod";

const count = z.number().int().min(0).nullish();

export const anthropicUsageSchema = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
});

const textBlockSchema = z.looseObject({ type: z.literal("text"), text: z.string() });
const toolUseBlockSchema = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
const thinkingBlockSchema = z.looseObject({
  type: z.literal("thinking"),
  thinking: z.string(),
});
/** Any other block (redacted_thinking, server tool results, ...): kept, not translated. */
const otherBlockSchema = z.looseObject({ type: z.string() });

export const contentBlockSchema = z.union([
  textBlockSchema,
  toolUseBlockSchema,
  thinkingBlockSchema,
  otherBlockSchema,
]);

export const anthropicMessageSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.literal("message").nullish(),
  model: z.string().nullish(),
  content: z.array(contentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
});

export const anthropicErrorSchema = z.looseObject({
  type: z.literal("error").nullish(),
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }),
});

const blockDeltaSchema = z.union([
  z.looseObject({ type: z.literal("text_delta"), text: z.string() }),
  z.looseObject({ type: z.literal("input_json_delta"), partial_json: z.string() }),
  z.looseObject({ type: z.literal("thinking_delta"), thinking: z.string() }),
  /** signature_delta, citations_delta, ...: nothing to translate. */
  z.looseObject({ type: z.string() }),
]);

export const streamEventSchema = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("message_start"),
    message: z.looseObject({
      id: z.string().nullish(),
      model: z.string().nullish(),
      usage: anthropicUsageSchema.nullish(),
    }),
  }),
  z.looseObject({
    type: z.literal("content_block_start"),
    index: z.number().int().min(0),
    content_block: contentBlockSchema,
  }),
  z.looseObject({
    type: z.literal("content_block_delta"),
    index: z.number().int().min(0),
    delta: blockDeltaSchema,
  }),
  z.looseObject({ type: z.literal("content_block_stop"), index: z.number().int().min(0) }),
  z.looseObject({
    type: z.literal("message_delta"),
    delta: z.looseObject({ stop_reason: z.string().nullish() }),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.looseObject({ type: z.literal("message_stop") }),
  z.looseObject({ type: z.literal("ping") }),
  z.looseObject({ type: z.literal("error"), error: anthropicErrorSchema.shape.error }),
]);

export type TextBlock = z.infer<typeof textBlockSchema>;
export type ToolUseBlock = z.infer<typeof toolUseBlockSchema>;
export type ThinkingBlock = z.infer<typeof thinkingBlockSchema>;

/**
 * A content block as the one kind it is, or null for a kind not translated. (The schema's union
 * ends in a catch-all, which TypeScript cannot narrow by `type`; this can.)
 */
export function classifyBlock(
  block: z.infer<typeof contentBlockSchema>,
):
  | { kind: "text"; block: TextBlock }
  | { kind: "tool_use"; block: ToolUseBlock }
  | { kind: "thinking"; block: ThinkingBlock }
  | null {
  const text = textBlockSchema.safeParse(block);
  if (text.success) return { kind: "text", block: text.data };
  const tool = toolUseBlockSchema.safeParse(block);
  if (tool.success) return { kind: "tool_use", block: tool.data };
  const thinking = thinkingBlockSchema.safeParse(block);
  if (thinking.success) return { kind: "thinking", block: thinking.data };
  return null;
}

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;
export type AnthropicContentBlock = z.infer<typeof contentBlockSchema>;
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;
export type AnthropicStreamEvent = z.infer<typeof streamEventSchema>;

/** Event types this adapter translates; Anthropic may add others, which are skipped. */
export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(
  streamEventSchema.options.map((option) => option.shape.type.value),
);
