/**
 * The Embeddings API (https://platform.openai.com/docs/api-reference/embeddings/create): the
 * request as clients send it and the response as the gateway answers it. Unknown top-level
 * fields are kept (loose object) and forwarded to OpenAI-compatible upstreams.
 */
import { z } from "zod";
import { modelNameSchema } from "./chat-request.ts";
import { describeIssue, type RequestProblem } from "./issue-message.ts";

/** OpenAI's limits: 2048 inputs per request, each non-empty. */
export const MAX_EMBEDDING_INPUTS = 2048;

const tokenArraySchema = z.array(z.int().min(0)).min(1);

export const embeddingsRequestSchema = z.looseObject({
  model: modelNameSchema,
  input: z.union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1).max(MAX_EMBEDDING_INPUTS),
    tokenArraySchema,
    z.array(tokenArraySchema).min(1).max(MAX_EMBEDDING_INPUTS),
  ]),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.int().min(1).nullish(),
  user: z.string().nullish(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;
/** One input: text, or text already tokenized (token ids). */
export type EmbeddingInput = string | number[];

export interface Embedding {
  object: "embedding";
  index: number;
  /** Floats, or (encoding_format base64) the little-endian float32 bytes in base64. */
  embedding: number[] | string;
}

export interface EmbeddingsResponse {
  object: "list";
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The request's inputs as a list, whichever of the four forms it came in. */
export function embeddingInputs(request: EmbeddingsRequest): EmbeddingInput[] {
  const { input } = request;
  if (typeof input === "string") return [input];
  if (input.every((item) => typeof item === "number")) return [input as number[]];
  return input as EmbeddingInput[];
}

export function parseEmbeddingsRequest(
  body: unknown,
): { ok: true; value: EmbeddingsRequest } | { ok: false; problem: RequestProblem } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      problem: { message: "The request body must be a JSON object.", param: null },
    };
  }
  const result = embeddingsRequestSchema.safeParse(body, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const [first] = result.error.issues;
  if (!first) return { ok: false, problem: { message: "Invalid request body.", param: null } };
  return { ok: false, problem: describeIssue(first) };
}

/** Floats as OpenAI's base64: the float32 values, little-endian, base64-encoded. */
export function floatsToBase64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [index, value] of values.entries()) view.setFloat32(index * 4, value, true);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
