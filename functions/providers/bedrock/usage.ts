/**
 * Converse's usage as the gateway bills it. Bedrock counts prompt-cache reads and writes apart
 * from `inputTokens` (its `totalTokens` is the sum of all four); the gateway's `inputTokens`
 * includes both, with each part named so it is priced at its own rate.
 */
import type { Usage } from "../types.ts";
import type { ConverseUsage } from "./wire.ts";

export function toUsage(usage: ConverseUsage): Usage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return {
    inputTokens: (usage.inputTokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: usage.outputTokens ?? 0,
    cachedInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
    estimated: false,
  };
}
