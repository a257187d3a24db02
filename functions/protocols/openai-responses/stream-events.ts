/**
 * Canonical chat chunks → the Responses API's streaming events
 * (https://platform.openai.com/docs/api-reference/responses-streaming), one chunk at a time:
 * response.created, response.in_progress; per output item output_item.added, for text
 * content_part.added, output_text.delta… output_text.done, content_part.done, for a function call
 * function_call_arguments.delta… .done; output_item.done; then response.completed (or
 * response.incomplete) with the whole response and its usage. Every event has a
 * `sequence_number`. A failure of the chunks is left to the caller, which ends the stream with
 * `response.failed` from `state` (failedEvent).
 */
import type { ChatCompletionChunk, FinishReason } from "../openai/chat.ts";
import type { ResponsesRequest } from "./request.ts";
import {
  type CountedUsage,
  type FunctionCallItem,
  type MessageItem,
  type ResponseIdentity,
  type ResponseObject,
  responseShell,
  statusOf,
  toResponseUsage,
} from "./response.ts";

export type ResponseStreamEvent = { type: string; sequence_number: number } & Record<
  string,
  unknown
>;

/** Shared with the caller: the sequence so far and the response as built so far. */
export interface ResponseStreamState {
  sequence: number;
  response: ResponseObject;
}

export function newStreamState(
  identity: ResponseIdentity,
  request: ResponsesRequest,
): ResponseStreamState {
  return { sequence: 0, response: responseShell(identity, request) };
}

export async function* toResponseEvents(
  chunks: AsyncIterable<ChatCompletionChunk>,
  state: ResponseStreamState,
  usage: () => CountedUsage,
): AsyncGenerator<ResponseStreamEvent> {
  const emit = (type: string, fields: Record<string, unknown>): ResponseStreamEvent => ({
    type,
    sequence_number: state.sequence++,
    ...fields,
  });
  const snapshot = () => structuredClone(state.response);
  const { response } = state;
  const suffix = response.id.slice("resp_".length);
  yield emit("response.created", { response: snapshot() });
  yield emit("response.in_progress", { response: snapshot() });

  let message: MessageItem | null = null;
  /** Chat tool call index → its item. */
  const calls = new Map<number, FunctionCallItem>();
  let finish: FinishReason | null = null;

  function* closeMessage(): Generator<ResponseStreamEvent> {
    if (message === null) return;
    const item = message;
    message = null;
    const outputIndex = response.output.indexOf(item);
    const part = item.content[0] ?? { type: "output_text", text: "", annotations: [] };
    const at = { item_id: item.id, output_index: outputIndex, content_index: 0 };
    yield emit("response.output_text.done", { ...at, text: part.text, logprobs: [] });
    yield emit("response.content_part.done", { ...at, part: structuredClone(part) });
    item.status = "completed";
    yield emit("response.output_item.done", {
      output_index: outputIndex,
      item: structuredClone(item),
    });
  }

  for await (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    finish = choice.finish_reason ?? finish;
    const text = choice.delta.content ?? "";
    if (text !== "") {
      if (message === null) {
        message = {
          type: "message",
          id: `msg_${suffix}_${response.output.length}`,
          status: "in_progress",
          role: "assistant",
          content: [],
        };
        response.output.push(message);
        const outputIndex = response.output.length - 1;
        yield emit("response.output_item.added", {
          output_index: outputIndex,
          item: structuredClone(message),
        });
        message.content.push({ type: "output_text", text: "", annotations: [] });
        yield emit("response.content_part.added", {
          item_id: message.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: "output_text", text: "", annotations: [] },
        });
      }
      const part = message.content[0];
      if (part) part.text += text;
      yield emit("response.output_text.delta", {
        item_id: message.id,
        output_index: response.output.indexOf(message),
        content_index: 0,
        delta: text,
        logprobs: [],
      });
    }
    for (const delta of choice.delta.tool_calls ?? []) {
      let item = calls.get(delta.index);
      if (item === undefined) {
        yield* closeMessage();
        const callId = delta.id ?? `call_${suffix}_${delta.index}`;
        item = {
          type: "function_call",
          id: `fc_${callId}`,
          call_id: callId,
          name: delta.function?.name ?? "",
          arguments: "",
          status: "in_progress",
        };
        calls.set(delta.index, item);
        response.output.push(item);
        yield emit("response.output_item.added", {
          output_index: response.output.length - 1,
          item: structuredClone(item),
        });
      }
      const piece = delta.function?.arguments ?? "";
      if (piece !== "") {
        item.arguments += piece;
        yield emit("response.function_call_arguments.delta", {
          item_id: item.id,
          output_index: response.output.indexOf(item),
          delta: piece,
        });
      }
    }
  }
  yield* closeMessage();
  for (const item of calls.values()) {
    const outputIndex = response.output.indexOf(item);
    yield emit("response.function_call_arguments.done", {
      item_id: item.id,
      output_index: outputIndex,
      name: item.name,
      arguments: item.arguments,
    });
    item.status = "completed";
    yield emit("response.output_item.done", {
      output_index: outputIndex,
      item: structuredClone(item),
    });
  }
  Object.assign(response, statusOf(finish), { usage: toResponseUsage(usage()) });
  const done = response.status === "incomplete" ? "response.incomplete" : "response.completed";
  yield emit(done, { response: snapshot() });
}

/** The last event of a stream whose upstream failed. */
export function failedEvent(
  state: ResponseStreamState,
  error: { code: string; message: string },
): ResponseStreamEvent {
  const response = { ...structuredClone(state.response), status: "failed" as const, error };
  return { type: "response.failed", sequence_number: state.sequence++, response };
}
