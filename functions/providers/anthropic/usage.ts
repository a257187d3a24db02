/**
 * Anthropic's usage as the gateway bills it. Anthropic counts cache reads and cache writes apart
 * from `input_tokens`; the gateway's `inputTokens` includes both (as OpenAI's `prompt_tokens`
 * includes `cached_tokens`), with the cached and written parts named so each is priced at its rate.
 */
import type { Usage } from "../types.ts";
import type { AnthropicUsage } from "./wire.ts";

/** Running totals of one response; Anthropic's later reports replace earlier ones field by field. */
export interface AnthropicTokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export const NO_TOKENS: AnthropicTokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export function mergeUsage(
  counts: AnthropicTokenCounts,
  usage: AnthropicUsage | null | undefined,
): AnthropicTokenCounts {
  if (!usage) return counts;
  return {
    input: usage.input_tokens ?? counts.input,
    output: usage.output_tokens ?? counts.output,
    cacheRead: usage.cache_read_input_tokens ?? counts.cacheRead,
    cacheWrite: usage.cache_creation_input_tokens ?? counts.cacheWrite,
  };
}

export function toUsage(counts: AnthropicTokenCounts): Usage {
  return {
    inputTokens: counts.input + counts.cacheRead + counts.cacheWrite,
    outputTokens: counts.output,
    cachedInputTokens: counts.cacheRead,
    cacheWriteInputTokens: counts.cacheWrite,
    estimated: false,
  };
}
