/**
 * Converse's stop reasons (StopReason in the API reference) as OpenAI's finish reasons, which is
 * what OpenAI clients switch on.
 */
import type { FinishReason } from "../../protocols/openai/chat.ts";

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
};

/** null stays null; a stop reason AWS adds later reads as "stop". */
export function mapStopReason(reason: string | null | undefined): FinishReason | null {
  if (reason === null || reason === undefined || reason === "") return null;
  return FINISH_REASONS[reason] ?? "stop";
}
