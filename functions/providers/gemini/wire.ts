/**
 * What Google's Generative Language API sends back
 * (https://ai.google.dev/api/generate-content#generatecontentresponse), validated leniently:
 * objects are loose and fields Google adds later are kept, not refused. A streamed chunk
 * (`:streamGenerateContent?alt=sse`) is a whole GenerateContentResponse with the parts generated
 * since the previous one.
 */
import { z } from "zod";

const count = z.number().int().min(0).nullish();

export const usageMetadataSchema = z.looseObject({
  /** Includes the cached part. */
  promptTokenCount: count,
  candidatesTokenCount: count,
  cachedContentTokenCount: count,
  /** Thinking tokens; billed as output but not in candidatesTokenCount. */
  thoughtsTokenCount: count,
  /** The prompt of a tool Google ran itself (e.g. search grounding); billed as input. */
  toolUsePromptTokenCount: count,
  totalTokenCount: count,
});

export const partSchema = z.looseObject({
  text: z.string().nullish(),
  /** A thought summary, when the request asked for them (`thinkingConfig.includeThoughts`). */
  thought: z.boolean().nullish(),
  /** Opaque; must travel back with the function call it came with (Gemini 2.5+ thinking). */
  thoughtSignature: z.string().nullish(),
  functionCall: z
    .looseObject({
      /** Newer models may number their calls; most do not. */
      id: z.string().nullish(),
      name: z.string(),
      args: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

export const candidateSchema = z.looseObject({
  index: z.number().int().min(0).nullish(),
  content: z
    .looseObject({ role: z.string().nullish(), parts: z.array(partSchema).nullish() })
    .nullish(),
  finishReason: z.string().nullish(),
});

export const generateContentResponseSchema = z.looseObject({
  candidates: z.array(candidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: usageMetadataSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});

/** Google's error body (https://cloud.google.com/apis/design/errors#http_mapping). */
export const googleErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().int().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ reason: z.string().nullish() })).nullish(),
  }),
});

/** `:batchEmbedContents` (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents). */
export const batchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

export type GeminiPart = z.infer<typeof partSchema>;
export type GeminiCandidate = z.infer<typeof candidateSchema>;
export type GeminiUsageMetadata = z.infer<typeof usageMetadataSchema>;
export type GenerateContentResponse = z.infer<typeof generateContentResponseSchema>;
export type GoogleError = z.infer<typeof googleErrorSchema>["error"];
