/**
 * Anthropic stream events → OpenAI chunks, one event at a time (pure state machine; the I/O is in
 * stream.ts). The event sequence (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
 * message_start, then per content block content_block_start / _delta… / _stop, then
 * message_delta (stop reason, final usage) and message_stop; ping anywhere; error ends it.
 *
 * Text deltas become `content`, tool_use blocks become `tool_calls` entries numbered in order of
 * appearance (their input_json_delta pieces become `arguments` pieces), thinking deltas become
 * `reasoning_content`. Usage is accumulated for the gateway, not forwarded in content chunks.
 */
import type {
  ChatCompletionChunk,
  ChunkDelta,
  FinishReason,
  StreamIdentity,
} from "../../protocols/openai/chat.ts";
import type { Usage } from "../types.ts";
import { mapStopReason } from "./finish-reason.ts";
import { type AnthropicTokenCounts, mergeUsage, NO_TOKENS, toUsage } from "./usage.ts";
import { type AnthropicStreamEvent, classifyBlock } from "./wire.ts";

export type StreamStep =
  | { kind: "chunks"; chunks: ChatCompletionChunk[] }
  | { kind: "done" }
  | { kind: "error"; error: { type?: string | null; message?: string | null } };

export class AnthropicStreamTranslator {
  private identity: StreamIdentity;
  private counts: AnthropicTokenCounts = NO_TOKENS;
  private reportedUsage = false;
  /** Content block index → tool call index, for the blocks that are tool calls. */
  private readonly toolCallOfBlock = new Map<number, number>();
  /** Content blocks that are calls of the forced JSON tool: their input is the content. */
  private readonly jsonBlocks = new Set<number>();

  /** `jsonTool`: the forced JSON tool of a `response_format` request (./json-output.ts). */
  constructor(
    defaults: StreamIdentity,
    private readonly jsonTool: string | null = null,
  ) {
    this.identity = { ...defaults };
  }

  /** The usage reported so far; null before any report. */
  usage(): Usage | null {
    return this.reportedUsage ? toUsage(this.counts) : null;
  }

  get streamIdentity(): StreamIdentity {
    return this.identity;
  }

  step(event: AnthropicStreamEvent): StreamStep {
    switch (event.type) {
      case "message_start":
        this.identity = {
          ...this.identity,
          id: event.message.id || this.identity.id,
          model: event.message.model || this.identity.model,
        };
        this.report(event.message.usage);
        return this.emit({ role: "assistant", content: "" });
      case "content_block_start":
        return this.blockStart(event.index, event.content_block);
      case "content_block_delta":
        return this.blockDelta(event.index, event.delta);
      case "message_delta": {
        this.report(event.usage);
        let finish = mapStopReason(event.delta.stop_reason);
        // The forced JSON call alone stops with tool_use; for the client the answer is done.
        if (finish === "tool_calls" && this.toolCallOfBlock.size === 0) finish = "stop";
        return finish ? this.emit({}, finish) : { kind: "chunks", chunks: [] };
      }
      case "message_stop":
        return { kind: "done" };
      case "error":
        return { kind: "error", error: event.error };
      default:
        // content_block_stop and ping carry nothing to translate.
        return { kind: "chunks", chunks: [] };
    }
  }

  private blockStart(
    index: number,
    block: Extract<AnthropicStreamEvent, { type: "content_block_start" }>["content_block"],
  ): StreamStep {
    const found = classifyBlock(block);
    if (found?.kind === "tool_use" && found.block.name === this.jsonTool) {
      this.jsonBlocks.add(index);
      const { input } = found.block;
      const whole = typeof input === "object" && input !== null && Object.keys(input).length > 0;
      return whole ? this.emit({ content: JSON.stringify(input) }) : { kind: "chunks", chunks: [] };
    }
    // JSON mode answers with the tool call only; text around it is not the JSON.
    if (this.jsonTool !== null && found?.kind === "text") return { kind: "chunks", chunks: [] };
    if (found?.kind === "text" && found.block.text !== "") {
      return this.emit({ content: found.block.text });
    }
    if (found?.kind === "thinking" && found.block.thinking !== "") {
      return this.emit({ reasoning_content: found.block.thinking });
    }
    if (found?.kind === "tool_use") {
      const call = this.toolCallOfBlock.size;
      this.toolCallOfBlock.set(index, call);
      // The input arrives as input_json_delta pieces; a non-empty start input is sent whole.
      const { input } = found.block;
      const initial =
        typeof input === "object" && input !== null && Object.keys(input).length > 0
          ? JSON.stringify(input)
          : "";
      return this.emit({
        tool_calls: [
          {
            index: call,
            id: found.block.id,
            type: "function",
            function: { name: found.block.name, arguments: initial },
          },
        ],
      });
    }
    return { kind: "chunks", chunks: [] };
  }

  private blockDelta(
    index: number,
    delta: Extract<AnthropicStreamEvent, { type: "content_block_delta" }>["delta"],
  ): StreamStep {
    if (delta.type === "input_json_delta" && this.jsonBlocks.has(index)) {
      const piece = typeof delta.partial_json === "string" ? delta.partial_json : "";
      return piece === "" ? { kind: "chunks", chunks: [] } : this.emit({ content: piece });
    }
    if (this.jsonTool !== null && delta.type === "text_delta")
      return { kind: "chunks", chunks: [] };
    if (delta.type === "text_delta" && typeof delta.text === "string" && delta.text !== "") {
      return this.emit({ content: delta.text });
    }
    if (delta.type === "thinking_delta" && typeof delta.thinking === "string") {
      return this.emit({ reasoning_content: delta.thinking });
    }
    if (delta.type === "input_json_delta" && typeof delta.partial_json === "string") {
      const call = this.toolCallOfBlock.get(index);
      if (call === undefined || delta.partial_json === "") return { kind: "chunks", chunks: [] };
      return this.emit({
        tool_calls: [{ index: call, function: { arguments: delta.partial_json } }],
      });
    }
    return { kind: "chunks", chunks: [] };
  }

  private report(usage: Parameters<typeof mergeUsage>[1]): void {
    if (!usage) return;
    this.counts = mergeUsage(this.counts, usage);
    this.reportedUsage = true;
  }

  private emit(delta: ChunkDelta, finish: FinishReason | null = null): StreamStep {
    const chunk: ChatCompletionChunk = {
      id: this.identity.id,
      object: "chat.completion.chunk",
      created: this.identity.created,
      model: this.identity.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    return { kind: "chunks", chunks: [chunk] };
  }
}
