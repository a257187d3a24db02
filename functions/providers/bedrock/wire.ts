/**
 * What Bedrock's Converse API sends back, validated leniently (objects are loose; block and event
 * kinds AWS adds later are skipped, not refused):
 * - Converse: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * - ConverseStream events, one JSON payload per event-stream message, named by its
 *   `:event-type` header: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 */
import { z } from "zod";

const count = z.number().int().min(0).nullish();

export const converseUsageSchema = z.looseObject({
  inputTokens: count,
  outputTokens: count,
  totalTokens: count,
  cacheReadInputTokens: count,
  cacheWriteInputTokens: count,
});

/** A content block is a union by key: exactly one of text, toolUse, reasoningContent, ... */
const responseBlockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: z
    .looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() })
    .optional(),
  reasoningContent: z
    .looseObject({ reasoningText: z.looseObject({ text: z.string() }).optional() })
    .optional(),
});

export const converseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({
      role: z.string().nullish(),
      content: z.array(responseBlockSchema),
    }),
  }),
  stopReason: z.string().nullish(),
  usage: converseUsageSchema.nullish(),
});

const blockIndex = z.number().int().min(0);

/** Each event type's payload; the type itself travels in the message's `:event-type` header. */
export const STREAM_EVENT_SCHEMAS = {
  messageStart: z.looseObject({ role: z.string().nullish() }),
  contentBlockStart: z.looseObject({
    contentBlockIndex: blockIndex,
    start: z.looseObject({
      toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).optional(),
    }),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: blockIndex,
    delta: z.looseObject({
      text: z.string().optional(),
      toolUse: z.looseObject({ input: z.string() }).optional(),
      reasoningContent: z.looseObject({ text: z.string().optional() }).optional(),
    }),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: blockIndex }),
  messageStop: z.looseObject({ stopReason: z.string().nullish() }),
  metadata: z.looseObject({ usage: converseUsageSchema.nullish() }),
} as const;

type Schemas = typeof STREAM_EVENT_SCHEMAS;
export type ConverseStreamEvent = {
  [Type in keyof Schemas]: { type: Type; payload: z.infer<Schemas[Type]> };
}[keyof Schemas];

export function isStreamEventType(type: string): type is keyof Schemas {
  return Object.hasOwn(STREAM_EVENT_SCHEMAS, type);
}

/** An exception's payload (in an error answer's body or a stream's exception message). */
export const converseErrorSchema = z.looseObject({
  message: z.string().nullish(),
  Message: z.string().nullish(),
});

export type ConverseUsage = z.infer<typeof converseUsageSchema>;
export type ConverseResponse = z.infer<typeof converseResponseSchema>;
