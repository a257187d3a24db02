/**
 * Embeddings through Gemini's `:batchEmbedContents`
 * (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents): one EmbedContent
 * request per input, at most 100 per call (Google's limit), so a longer list is sent in
 * batches, one after another. `dimensions` is `outputDimensionality`. Gemini embeds text only
 * (token id arrays are a 400) and reports no token counts: usage is our tokenizer's, marked
 * estimated.
 */
import {
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  embeddingInputs,
} from "../../protocols/openai/embeddings.ts";
import { unsupportedFeatureError } from "../capabilities.ts";
import { countEmbeddingTokens, embeddingUsage } from "../embedding-usage.ts";
import { ProviderError } from "../errors.ts";
import { parseJsonBody, readText, sendUpstream } from "../http.ts";
import type { CallOptions, EmbeddingsOutcome, ProviderTarget } from "../types.ts";
import { errorFromResponse } from "./errors.ts";
import { geminiRequest, modelPath } from "./request.ts";
import { batchEmbedResponseSchema } from "./wire.ts";

export const MAX_BATCH_EMBED_REQUESTS = 100;

export async function geminiEmbeddings(
  request: EmbeddingsRequest,
  target: ProviderTarget,
  options: CallOptions,
): Promise<EmbeddingsOutcome> {
  const inputs = embeddingInputs(request);
  const texts = inputs.map((input) => {
    if (typeof input !== "string") {
      throw unsupportedFeatureError(
        { param: "input", what: "token id arrays (send text)" },
        target,
      );
    }
    return input;
  });
  const model = modelPath(target.model);
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += MAX_BATCH_EMBED_REQUESTS) {
    const batch = texts.slice(start, start + MAX_BATCH_EMBED_REQUESTS);
    const body = {
      requests: batch.map((text) => ({
        model,
        content: { parts: [{ text }] },
        ...(request.dimensions ? { outputDimensionality: request.dimensions } : {}),
      })),
    };
    const upstream = geminiRequest(target, `${model}:batchEmbedContents`, {
      accept: "application/json",
      body,
    });
    const response = await sendUpstream(upstream, options, target.name);
    if (!response.ok) throw await errorFromResponse(response, target);
    const json = parseJsonBody(await readText(response, options, target.name), target.name);
    const parsed = batchEmbedResponseSchema.safeParse(json);
    if (!parsed.success || parsed.data.embeddings.length !== batch.length) {
      throw new ProviderError({
        kind: "bad_response",
        message: `Provider '${target.name}' answered batchEmbedContents without one embedding per input.`,
        status: 502,
        retryable: false,
      });
    }
    for (const embedding of parsed.data.embeddings) vectors.push(embedding.values);
  }
  const inputTokens = await countEmbeddingTokens(inputs);
  const response: EmbeddingsResponse = {
    object: "list",
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model: target.model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  };
  return { response, usage: embeddingUsage(inputTokens, true) };
}
