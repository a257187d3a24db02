/**
 * ConverseStream events → OpenAI chunks, one event at a time (pure state machine; the I/O is in
 * stream.ts). The sequence: messageStart, then per content block an optional contentBlockStart
 * (tool use only; text blocks start with their first delta), contentBlockDelta… and
 * contentBlockStop, then messageStop (the stop reason) and metadata (usage, after the stop).
 *
 * Text deltas become `content`, tool use blocks `tool_calls` entries numbered in order of
 * appearance (their `toolUse.input` pieces become `arguments` pieces), reasoning deltas
 * `reasoning_content`. Usage is kept for the gateway, not forwarded in content chunks.
 */
import type {
  ChatCompletionChunk,
  ChunkDelta,
  FinishReason,
  StreamIdentity,
} from "../../protocols/openai/chat.ts";
import type { Usage } from "../types.ts";
import { mapStopReason } from "./finish-reason.ts";
import { toUsage } from "./usage.ts";
import type { ConverseStreamEvent } from "./wire.ts";

export class ConverseStreamTranslator {
  private reported: Usage | null = null;
  private stopped = false;
  /** Content block index → tool call index, for the blocks that are tool calls. */
  private readonly toolCallOfBlock = new Map<number, number>();

  constructor(readonly streamIdentity: StreamIdentity) {}

  /** The usage of the metadata event; null before it. */
  usage(): Usage | null {
    return this.reported;
  }

  /** Whether messageStop has arrived: the answer is complete even if metadata never comes. */
  get complete(): boolean {
    return this.stopped;
  }

  step(event: ConverseStreamEvent): ChatCompletionChunk[] {
    switch (event.type) {
      case "messageStart":
        return this.emit({ role: "assistant", content: "" });
      case "contentBlockStart": {
        const tool = event.payload.start.toolUse;
        if (!tool) return [];
        const call = this.toolCallOfBlock.size;
        this.toolCallOfBlock.set(event.payload.contentBlockIndex, call);
        return this.emit({
          tool_calls: [
            {
              index: call,
              id: tool.toolUseId,
              type: "function",
              function: { name: tool.name, arguments: "" },
            },
          ],
        });
      }
      case "contentBlockDelta":
        return this.delta(event.payload.contentBlockIndex, event.payload.delta);
      case "messageStop":
        this.stopped = true;
        return this.emit({}, mapStopReason(event.payload.stopReason) ?? "stop");
      case "metadata":
        if (event.payload.usage) this.reported = toUsage(event.payload.usage);
        return [];
      case "contentBlockStop":
        return [];
    }
  }

  private delta(
    index: number,
    delta: Extract<ConverseStreamEvent, { type: "contentBlockDelta" }>["payload"]["delta"],
  ): ChatCompletionChunk[] {
    if (typeof delta.text === "string") {
      return delta.text === "" ? [] : this.emit({ content: delta.text });
    }
    if (delta.toolUse) {
      const call = this.toolCallOfBlock.get(index);
      if (call === undefined || delta.toolUse.input === "") return [];
      return this.emit({
        tool_calls: [{ index: call, function: { arguments: delta.toolUse.input } }],
      });
    }
    const reasoning = delta.reasoningContent?.text;
    if (typeof reasoning === "string" && reasoning !== "") {
      return this.emit({ reasoning_content: reasoning });
    }
    return [];
  }

  private emit(delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk[] {
    const { id, created, model } = this.streamIdentity;
    return [
      {
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      },
    ];
  }
}
