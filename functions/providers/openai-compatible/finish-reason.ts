/**
 * Finish reasons compatible servers send, mapped onto OpenAI's five. Clients switch on these
 * values, so anything else must not leak through.
 */
import type { FinishReason } from "../../protocols/openai/chat.ts";

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  function_call: "function_call",
  // vLLM / TGI / llama.cpp and Anthropic-style servers
  eos: "stop",
  eos_token: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_length: "length",
  tool_use: "tool_calls",
  tool_call: "tool_calls",
  safety: "content_filter",
};

/** null stays null (a chunk that does not finish a choice); an unknown reason reads as "stop". */
export function mapFinishReason(reason: string | null | undefined): FinishReason | null {
  if (reason === null || reason === undefined || reason === "") return null;
  return FINISH_REASONS[reason] ?? "stop";
}
