/**
 * Gemini's usageMetadata as the gateway bills it. `promptTokenCount` already includes the cached
 * part (`cachedContentTokenCount`); a tool prompt Google ran itself is input too. Thinking tokens
 * (`thoughtsTokenCount`) are billed at the output rate but not counted in
 * `candidatesTokenCount`, so output is the sum of both.
 */
import type { Usage } from "../types.ts";
import type { GeminiUsageMetadata } from "./wire.ts";

export function toUsage(metadata: GeminiUsageMetadata): Usage {
  const input = (metadata.promptTokenCount ?? 0) + (metadata.toolUsePromptTokenCount ?? 0);
  return {
    inputTokens: input,
    outputTokens: (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0),
    cachedInputTokens: Math.min(metadata.cachedContentTokenCount ?? 0, input),
    estimated: false,
  };
}
