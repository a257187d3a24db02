/**
 * Chat Completions' `finish_reason` as Anthropic's `stop_reason`
 * (https://docs.anthropic.com/en/api/handling-stop-reasons).
 *
 * OpenAI says "stop" both for a natural end and for a matched stop sequence. Some servers (vLLM,
 * and an upstream Anthropic translated back) say which sequence matched in the choice's
 * `stop_reason` or `stop_sequence` field; when that names one of the request's sequences, the
 * answer is "stop_sequence" with that sequence, otherwise "end_turn".
 */
import type { FinishReason } from "../openai/chat.ts";
import type { StopReason } from "./message.ts";

export interface StopOutcome {
  stop_reason: StopReason;
  stop_sequence: string | null;
}

export function toStopReason(
  finish: FinishReason | null,
  matched: unknown,
  stopSequences: readonly string[],
): StopOutcome {
  switch (finish) {
    case "length":
      return { stop_reason: "max_tokens", stop_sequence: null };
    case "tool_calls":
    case "function_call":
      return { stop_reason: "tool_use", stop_sequence: null };
    case "content_filter":
      return { stop_reason: "refusal", stop_sequence: null };
    default:
      if (typeof matched === "string" && stopSequences.includes(matched)) {
        return { stop_reason: "stop_sequence", stop_sequence: matched };
      }
      return { stop_reason: "end_turn", stop_sequence: null };
  }
}

/** The matched stop sequence a choice may carry (vLLM: `stop_reason`; others: `stop_sequence`). */
export function matchedStopOf(choice: Record<string, unknown>): unknown {
  return choice.stop_sequence ?? choice.stop_reason ?? null;
}
