/**
 * A canonical Chat Completions stream as the events of a streamed Anthropic Message, chunk by
 * chunk: each chunk in gives the events it completes, nothing is held back beyond the block
 * being built. The translator is a pure state machine (`push`, `finish`); `toMessageEvents`
 * drives it over an async iterable and pulls one upstream chunk only when the previous one's
 * events have been taken, so backpressure reaches the upstream.
 *
 * Only the first choice is followed (an Anthropic request never asks for more). OpenAI streams
 * tool calls one after another, each opened by a delta with its `id` and `name`; a new one (or
 * text after it) closes the block before it, as Anthropic's blocks are sequential.
 */

import type { Usage } from "../../providers/types.ts";
import { fromWireUsage, ZERO_USAGE } from "../../providers/usage.ts";
import type { ChatCompletionChunk, FinishReason } from "../openai/chat.ts";
import { type ContentBlock, messageIdFor, toMessageUsage } from "./message.ts";
import { matchedStopOf, toStopReason } from "./stop-reason.ts";
import type { MessageStreamEvent } from "./stream-events.ts";

export interface MessageStreamIdentity {
  /** Used when the upstream's chunks carry no id (they always do in practice). */
  fallbackId: string;
  stopSequences: readonly string[];
}

export interface MessageStreamTranslator {
  push(chunk: ChatCompletionChunk): MessageStreamEvent[];
  /** The closing events; `usage` is what the call is billed for, when the caller knows it. */
  finish(usage: Usage | null): MessageStreamEvent[];
}

interface OpenBlock {
  kind: "text" | "tool";
  index: number;
}

export function createMessageStreamTranslator(
  identity: MessageStreamIdentity,
): MessageStreamTranslator {
  let started = false;
  let pinged = false;
  let nextIndex = 0;
  let open: OpenBlock | null = null;
  /** OpenAI tool-call index → Anthropic block index. */
  const toolBlocks = new Map<number, number>();
  let finish: FinishReason | null = null;
  let matchedStop: unknown = null;
  let refused = false;
  let reportedUsage: Usage | null = null;

  const start = (chunk: ChatCompletionChunk | null, events: MessageStreamEvent[]): void => {
    if (started) return;
    started = true;
    events.push({
      type: "message_start",
      message: {
        id: messageIdFor(chunk?.id ?? identity.fallbackId),
        type: "message",
        role: "assistant",
        model: chunk?.model ?? "",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Chat Completions reports usage only at the end; message_delta carries the totals.
        usage: toMessageUsage(ZERO_USAGE),
      },
    });
  };

  const close = (events: MessageStreamEvent[]): void => {
    if (open === null) return;
    events.push({ type: "content_block_stop", index: open.index });
    open = null;
  };

  const begin = (block: OpenBlock, content: ContentBlock, events: MessageStreamEvent[]): void => {
    close(events);
    open = block;
    nextIndex = block.index + 1;
    events.push({ type: "content_block_start", index: block.index, content_block: content });
    if (!pinged) {
      pinged = true;
      events.push({ type: "ping" });
    }
  };

  const text = (value: string, events: MessageStreamEvent[]): void => {
    if (value === "") return;
    if (open?.kind !== "text") {
      begin({ kind: "text", index: nextIndex }, { type: "text", text: "" }, events);
    }
    events.push({
      type: "content_block_delta",
      index: nextIndex - 1,
      delta: { type: "text_delta", text: value },
    });
  };

  return {
    push(chunk) {
      const events: MessageStreamEvent[] = [];
      start(chunk, events);
      if (chunk.usage) reportedUsage = fromWireUsage(chunk.usage);
      const choice = chunk.choices.find((candidate) => candidate.index === 0);
      if (!choice) return events;
      text(choice.delta.content ?? "", events);
      if (choice.delta.refusal) {
        refused = true;
        text(choice.delta.refusal, events);
      }
      for (const call of choice.delta.tool_calls ?? []) {
        let index = toolBlocks.get(call.index);
        if (index === undefined) {
          index = nextIndex;
          toolBlocks.set(call.index, index);
          const content: ContentBlock = {
            type: "tool_use",
            id: call.id ?? `toolu_${identity.fallbackId}_${call.index}`,
            name: call.function?.name ?? "",
            input: {},
          };
          begin({ kind: "tool", index }, content, events);
        }
        const partial = call.function?.arguments ?? "";
        if (partial !== "") {
          events.push({
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json: partial },
          });
        }
      }
      if (choice.finish_reason) {
        finish = choice.finish_reason;
        matchedStop = matchedStopOf(choice);
        close(events);
      }
      return events;
    },

    finish(usage) {
      const events: MessageStreamEvent[] = [];
      start(null, events);
      close(events);
      const stop = toStopReason(finish, matchedStop, identity.stopSequences);
      events.push({
        type: "message_delta",
        delta: {
          stop_reason: refused ? "refusal" : stop.stop_reason,
          stop_sequence: stop.stop_sequence,
        },
        usage: toMessageUsage(usage ?? reportedUsage ?? ZERO_USAGE),
      });
      events.push({ type: "message_stop" });
      return events;
    },
  };
}

/**
 * Drives the translator over a stream. `usage` is read once the chunks are exhausted: the
 * adapter's final count (reported, or estimated when the upstream sent none).
 */
export async function* toMessageEvents(
  chunks: AsyncIterable<ChatCompletionChunk>,
  identity: MessageStreamIdentity,
  usage: () => Usage | null,
): AsyncGenerator<MessageStreamEvent> {
  const translator = createMessageStreamTranslator(identity);
  for await (const chunk of chunks) yield* translator.push(chunk);
  yield* translator.finish(usage());
}
