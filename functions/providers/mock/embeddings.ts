/**
 * The `mock/embed` model: deterministic embeddings with no network, so tests and the embedded
 * quick start work offline. Feature hashing over the input's words (or token ids): each word
 * adds ±1 at a dimension its hash picks, and the vector is scaled to unit length. Texts sharing
 * words get a higher cosine similarity, enough for a demo of semantic search; the same text
 * always gets the same vector. Usage is our tokenizer's count, as the chat mock reports it.
 */
import {
  type EmbeddingInput,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  embeddingInputs,
} from "../../protocols/openai/embeddings.ts";
import { countEmbeddingTokens, embeddingUsage } from "../embedding-usage.ts";
import { ProviderError } from "../errors.ts";
import type { CallOptions, EmbeddingsOutcome, ProviderTarget } from "../types.ts";
import { mockDelay, parseMockConfig, simulatedFailure } from "./adapter.ts";

export const MOCK_EMBEDDING_MODELS = ["embed"] as const;
/** Vector size when the request sets no `dimensions`; small, so answers stay small. */
export const MOCK_EMBEDDING_DIMENSIONS = 256;
/** As OpenAI's text-embedding-3 models: asking for more is a 400. */
const MAX_DIMENSIONS = 3072;

export async function mockEmbeddings(
  request: EmbeddingsRequest,
  target: ProviderTarget,
  options: CallOptions,
): Promise<EmbeddingsOutcome> {
  const config = parseMockConfig(target);
  if (!(MOCK_EMBEDDING_MODELS as readonly string[]).includes(target.model)) {
    throw new ProviderError({
      kind: "upstream_http",
      message: `The model '${target.model}' does not exist on provider '${target.name}' for embeddings; it serves: ${MOCK_EMBEDDING_MODELS.join(", ")}.`,
      status: 404,
      retryable: false,
      type: "invalid_request_error",
      code: "model_not_found",
      param: "model",
    });
  }
  const dimensions = request.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  if (dimensions > MAX_DIMENSIONS) {
    throw new ProviderError({
      kind: "upstream_http",
      message: `Provider '${target.name}' embeds into at most ${MAX_DIMENSIONS} dimensions; \`dimensions\` was ${dimensions}.`,
      status: 400,
      retryable: false,
      type: "invalid_request_error",
      code: "invalid_value",
      param: "dimensions",
    });
  }
  await mockDelay(config.latencyMs, options, target);
  if (config.failStatus !== undefined) throw simulatedFailure(config.failStatus, target);
  const inputs = embeddingInputs(request);
  const inputTokens = await countEmbeddingTokens(inputs);
  const response: EmbeddingsResponse = {
    object: "list",
    data: inputs.map((input, index) => ({
      object: "embedding",
      index,
      embedding: hashedEmbedding(input, dimensions),
    })),
    model: target.model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  };
  return { response, usage: embeddingUsage(inputTokens, false) };
}

/** The unit vector of `input`'s hashed features. Pure. */
export function hashedEmbedding(input: EmbeddingInput, dimensions: number): number[] {
  const features =
    typeof input === "string"
      ? (input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [input])
      : input.map(String);
  const vector = new Array<number>(dimensions).fill(0);
  for (const feature of features) {
    const hash = fnv1a(feature);
    const at = hash % dimensions;
    vector[at] = (vector[at] ?? 0) + ((hash >>> 31) & 1 ? -1 : 1);
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) {
    // Features that cancel out: one fixed dimension, so the vector still has unit length.
    vector[fnv1a(String(input)) % dimensions] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

/** 32-bit FNV-1a over the UTF-16 code units: small, fast, and the same on every runtime. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
