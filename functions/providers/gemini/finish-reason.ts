/**
 * Gemini's finish reasons (https://ai.google.dev/api/generate-content#FinishReason) as OpenAI's.
 * Gemini says STOP after function calls too; a candidate that called functions finishes with
 * `tool_calls`, which is what OpenAI clients switch on to run them.
 */
import type { FinishReason } from "../../protocols/openai/chat.ts";

const CONTENT_FILTER = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
]);

/** null while the candidate is still going; a reason Google adds later reads as "stop". */
export function mapFinishReason(
  reason: string | null | undefined,
  calledFunctions: boolean,
): FinishReason | null {
  if (reason === null || reason === undefined || reason === "") return null;
  if (reason === "MAX_TOKENS") return "length";
  if (CONTENT_FILTER.has(reason)) return "content_filter";
  return calledFunctions ? "tool_calls" : "stop";
}
