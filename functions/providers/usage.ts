/** Conversions between OpenAI's wire usage and the gateway's Usage. */
import type { WireUsage } from "../protocols/openai/chat.ts";
import type { Usage } from "./types.ts";

export function fromWireUsage(wire: WireUsage): Usage {
  return {
    inputTokens: wire.prompt_tokens,
    outputTokens: wire.completion_tokens,
    cachedInputTokens: Math.min(cachedTokens(wire), wire.prompt_tokens),
    estimated: false,
  };
}

export function toWireUsage(usage: Usage): WireUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
  };
}

export const ZERO_USAGE: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  estimated: true,
};

function cachedTokens(wire: WireUsage): number {
  const details = wire.prompt_tokens_details?.cached_tokens;
  if (typeof details === "number") return details;
  // DeepSeek reports cache hits at the top level instead of in prompt_tokens_details.
  const hit = wire.prompt_cache_hit_tokens;
  return typeof hit === "number" && Number.isInteger(hit) && hit >= 0 ? hit : 0;
}
