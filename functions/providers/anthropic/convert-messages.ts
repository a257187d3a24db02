/**
 * OpenAI chat messages → Anthropic's `system` and `messages` (https://docs.anthropic.com/en/api/messages).
 * Pure. System and developer messages become the top-level system prompt; tool results become
 * `tool_result` blocks in a user turn; consecutive turns of one role are merged, as the API
 * expects alternating turns. What has no Anthropic equivalent is refused through `refuse`.
 */
import type { ChatMessage, UserContentPart } from "../../protocols/openai/chat.ts";
import type { UnsupportedFeature } from "../capabilities.ts";

export type AnthropicImageSource =
  | { type: "base64"; media_type: string; data: string }
  | { type: "url"; url: string };

export type AnthropicRequestBlock =
  | { type: "text"; text: string }
  | { type: "image"; source: AnthropicImageSource }
  | { type: "document"; source: { type: "base64"; media_type: string; data: string } }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string };

export interface AnthropicTurn {
  role: "user" | "assistant";
  content: AnthropicRequestBlock[];
}

export interface AnthropicConversation {
  system: string | null;
  messages: AnthropicTurn[];
}

export type Refuse = (feature: UnsupportedFeature) => never;

/** `data:<media type>;base64,<data>` (RFC 2397), the form OpenAI clients inline files in. */
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

export function toAnthropicConversation(
  messages: readonly ChatMessage[],
  refuse: Refuse,
): AnthropicConversation {
  const system: string[] = [];
  const turns: AnthropicTurn[] = [];
  const append = (role: AnthropicTurn["role"], content: AnthropicRequestBlock[]) => {
    const blocks = content.filter((block) => block.type !== "text" || block.text !== "");
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const [position, message] of messages.entries()) {
    const at = `messages[${position}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(textOf(message.content));
        break;
      case "user":
        append("user", userBlocks(message.content, at, refuse));
        break;
      case "assistant":
        append("assistant", assistantBlocks(message, at, refuse));
        break;
      case "tool":
        append("user", [
          {
            type: "tool_result",
            tool_use_id: message.tool_call_id,
            content: textOf(message.content),
          },
        ]);
        break;
      case "function":
        refuse({ param: at, what: "`function` messages (use `tool` messages)" });
    }
  }
  const prompt = system.filter((text) => text !== "").join("\n\n");
  return { system: prompt === "" ? null : prompt, messages: turns };
}

function textOf(content: string | ReadonlyArray<{ text: string }>): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

function userBlocks(
  content: string | readonly UserContentPart[],
  at: string,
  refuse: Refuse,
): AnthropicRequestBlock[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((part, index): AnthropicRequestBlock => {
    const where = `${at}.content[${index}]`;
    switch (part.type) {
      case "text":
        return { type: "text", text: part.text };
      case "image_url":
        return { type: "image", source: imageSource(part.image_url.url) };
      case "file": {
        const data = DATA_URL.exec(part.file.file_data ?? "");
        if (data?.[1] === "application/pdf" && data[2] !== undefined) {
          return {
            type: "document",
            source: { type: "base64", media_type: data[1], data: data[2] },
          };
        }
        return refuse({ param: where, what: "files other than inline PDFs (`file_data`)" });
      }
      default:
        // input_audio: the Messages API takes no audio.
        return refuse({ param: where, what: "audio input" });
    }
  });
}

function imageSource(url: string): AnthropicImageSource {
  const data = DATA_URL.exec(url);
  if (data?.[1] !== undefined && data[2] !== undefined) {
    return { type: "base64", media_type: data[1], data: data[2] };
  }
  return { type: "url", url };
}

function assistantBlocks(
  message: Extract<ChatMessage, { role: "assistant" }>,
  at: string,
  refuse: Refuse,
): AnthropicRequestBlock[] {
  const blocks: AnthropicRequestBlock[] = [];
  const { content } = message;
  if (typeof content === "string") blocks.push({ type: "text", text: content });
  for (const part of Array.isArray(content) ? content : []) {
    blocks.push({ type: "text", text: part.type === "text" ? part.text : part.refusal });
  }
  if (message.function_call) {
    refuse({ param: `${at}.function_call`, what: "`function_call` (use `tool_calls`)" });
  }
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    const where = `${at}.tool_calls[${index}]`;
    if (call.type !== "function") refuse({ param: where, what: "custom tool calls" });
    else {
      const input = parseArguments(call.function.arguments);
      if (input === null) {
        refuse({
          param: `${where}.function.arguments`,
          what: "tool arguments that are not a JSON object",
        });
      }
      blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input });
    }
  }
  return blocks;
}

function parseArguments(text: string): Record<string, unknown> | null {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
