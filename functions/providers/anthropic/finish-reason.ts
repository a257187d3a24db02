/**
 * Anthropic's stop reasons (https://docs.anthropic.com/en/api/handling-stop-reasons) as OpenAI's
 * finish reasons, which is what OpenAI clients switch on.
 */
import type { FinishReason } from "../../protocols/openai/chat.ts";

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  // A server tool loop paused; the turn is over for this call.
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** null stays null; a stop reason Anthropic adds later reads as "stop". */
export function mapStopReason(reason: string | null | undefined): FinishReason | null {
  if (reason === null || reason === undefined || reason === "") return null;
  return FINISH_REASONS[reason] ?? "stop";
}
