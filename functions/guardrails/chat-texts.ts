/**
 * Every place a Chat Completions request or answer carries text a model reads or writes, as
 * rewritable slots: message content (string or text parts), refusals, and tool-call arguments.
 * Images, audio and files are not text and are not scanned. The walk follows the known shape
 * only, so however deeply a client nests unknown fields, the walk's cost is the number of slots.
 */
import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
} from "../protocols/openai/chat.ts";

export interface TextSlot {
  text: string;
  /** The text is a tool's result, which weighs instructions in it higher (injection). */
  fromTool: boolean;
  write(text: string): void;
}

export function requestTextSlots(chat: ChatCompletionRequest): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const message of chat.messages) slots.push(...messageSlots(message));
  return slots;
}

function messageSlots(message: ChatMessage): TextSlot[] {
  const fromTool = message.role === "tool" || message.role === "function";
  const slots: TextSlot[] = [];
  const content = message.content;
  if (typeof content === "string") {
    slots.push({
      text: content,
      fromTool,
      write: (text) => Object.assign(message, { content: text }),
    });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type === "text")
        slots.push({ text: part.text, fromTool, write: (text) => (part.text = text) });
      else if (part.type === "refusal") {
        slots.push({ text: part.refusal, fromTool, write: (text) => (part.refusal = text) });
      }
    }
  }
  if (message.role === "assistant") {
    for (const call of message.tool_calls ?? []) {
      if (call.type === "function") {
        const fn = call.function;
        slots.push({ text: fn.arguments, fromTool: false, write: (text) => (fn.arguments = text) });
      } else {
        const custom = call.custom;
        slots.push({ text: custom.input, fromTool: false, write: (text) => (custom.input = text) });
      }
    }
  }
  return slots;
}

export function completionTextSlots(completion: ChatCompletion): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const choice of completion.choices) {
    const message = choice.message;
    if (typeof message.content === "string") {
      slots.push({
        text: message.content,
        fromTool: false,
        write: (text) => (message.content = text),
      });
    }
    if (typeof message.refusal === "string") {
      slots.push({
        text: message.refusal,
        fromTool: false,
        write: (text) => (message.refusal = text),
      });
    }
    for (const call of message.tool_calls ?? []) {
      if (call.type === "function") {
        const fn = call.function;
        slots.push({ text: fn.arguments, fromTool: false, write: (text) => (fn.arguments = text) });
      }
    }
  }
  return slots;
}
