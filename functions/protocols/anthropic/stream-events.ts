/**
 * The server-sent events of a streamed Anthropic Message
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming), in the order the API sends
 * them: message_start; per content block content_block_start, content_block_delta…,
 * content_block_stop (a ping after the first start); message_delta with the stop reason and the
 * usage; message_stop. A failure ends the stream with an `error` event.
 */
import type { ContentBlock, Message, MessageUsage, StopReason } from "./message.ts";

export type ContentBlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "input_json_delta"; partial_json: string };

export type MessageStreamEvent =
  | { type: "message_start"; message: Message }
  | { type: "content_block_start"; index: number; content_block: ContentBlock }
  | { type: "ping" }
  | { type: "content_block_delta"; index: number; delta: ContentBlockDelta }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: StopReason | null; stop_sequence: string | null };
      usage: MessageUsage;
    }
  | { type: "message_stop" };

/** Anthropic's error body, in a response and as the data of a stream's `error` event. */
export interface ErrorBody {
  type: "error";
  error: { type: string; message: string };
  request_id?: string;
}
