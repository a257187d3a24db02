/**
 * The input tokens of an embeddings request by our tokenizer, for upstreams that report none
 * (Gemini's batchEmbedContents, some OpenAI-compatible servers) and for the mock. Text already
 * tokenized counts its token ids.
 */
import type { EmbeddingInput } from "../protocols/openai/embeddings.ts";
import { loadTokenizer } from "./tokens.ts";
import type { Usage } from "./types.ts";

export async function countEmbeddingTokens(inputs: readonly EmbeddingInput[]): Promise<number> {
  const tokenizer = await loadTokenizer();
  let tokens = 0;
  for (const input of inputs) {
    tokens += typeof input === "string" ? tokenizer.countTokens(input) : input.length;
  }
  return tokens;
}

export function embeddingUsage(inputTokens: number, estimated: boolean): Usage {
  return { inputTokens, outputTokens: 0, cachedInputTokens: 0, estimated };
}
