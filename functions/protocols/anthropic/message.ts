/**
 * The Anthropic Message the gateway answers with (https://docs.anthropic.com/en/api/messages,
 * "Response"), and the usage and stop reason it carries. Built here from the canonical Chat
 * Completions answer; written by the gateway, so plain types rather than a parsing schema.
 */
import type { Usage } from "../../providers/types.ts";

export type StopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal";

export interface TextContentBlock {
  type: "text";
  text: string;
}

export interface ToolUseContentBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type ContentBlock = TextContentBlock | ToolUseContentBlock;

/**
 * Anthropic counts `input_tokens` without the tokens read from or written to its prompt cache;
 * the gateway's Usage counts cached tokens inside `inputTokens`, so they are taken out here.
 */
export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface Message {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: MessageUsage;
}

export function toMessageUsage(usage: Usage): MessageUsage {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  return {
    input_tokens: usage.inputTokens - cached,
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: cached,
    // Chat Completions has no cache writes to report; an Anthropic passthrough would carry them.
    cache_creation_input_tokens: 0,
  };
}

/** `msg_…`, as Anthropic's ids read; an upstream id is kept inside so logs still match. */
export function messageIdFor(upstreamId: string): string {
  return upstreamId.startsWith("msg_") ? upstreamId : `msg_${upstreamId}`;
}
