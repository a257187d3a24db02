/**
 * OpenAI chat messages → the Converse API's `system` and `messages`
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html). Pure.
 *
 * System and developer messages become `system` text blocks; tool results become `toolResult`
 * blocks in a user turn; consecutive turns of one role are merged, as Converse wants the roles to
 * alternate. Images travel as bytes: Converse takes no image URLs, so only `data:` URLs are
 * accepted and an http(s) URL is refused with a 400 naming the parameter (fetching it here would
 * make the gateway a fetcher of arbitrary URLs).
 */
import type { ChatMessage, UserContentPart } from "../../protocols/openai/chat.ts";
import type { UnsupportedFeature } from "../capabilities.ts";

export type ImageFormat = "png" | "jpeg" | "gif" | "webp";

export type ConverseContentBlock =
  | { text: string }
  | { image: { format: ImageFormat; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }> } };

export interface ConverseMessage {
  role: "user" | "assistant";
  content: ConverseContentBlock[];
}

export interface ConverseConversation {
  system: Array<{ text: string }>;
  messages: ConverseMessage[];
}

export type Refuse = (feature: UnsupportedFeature) => never;

/** `data:<media type>;base64,<data>` (RFC 2397). */
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** The image formats Converse accepts (ImageBlock.format), by media type. */
const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

export function toConverseConversation(
  messages: readonly ChatMessage[],
  refuse: Refuse,
): ConverseConversation {
  const system: Array<{ text: string }> = [];
  const turns: ConverseMessage[] = [];
  const append = (role: ConverseMessage["role"], content: ConverseContentBlock[]) => {
    // Converse refuses blank text blocks.
    const blocks = content.filter((block) => !("text" in block) || block.text.trim() !== "");
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const [position, message] of messages.entries()) {
    const at = `messages[${position}]`;
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content);
        if (text.trim() !== "") system.push({ text });
        break;
      }
      case "user":
        append("user", userBlocks(message.content, at, refuse));
        break;
      case "assistant":
        append("assistant", assistantBlocks(message, at, refuse));
        break;
      case "tool":
        append("user", [
          {
            toolResult: {
              toolUseId: message.tool_call_id,
              content: [{ text: textOf(message.content) }],
            },
          },
        ]);
        break;
      case "function":
        refuse({ param: at, what: "`function` messages (use `tool` messages)" });
    }
  }
  return { system, messages: turns };
}

/** Whether the conversation carries tool calls or results (Converse then needs toolConfig). */
export function hasToolBlocks(conversation: ConverseConversation): boolean {
  return conversation.messages.some((turn) =>
    turn.content.some((block) => "toolUse" in block || "toolResult" in block),
  );
}

function textOf(content: string | ReadonlyArray<{ text: string }>): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

function userBlocks(
  content: string | readonly UserContentPart[],
  at: string,
  refuse: Refuse,
): ConverseContentBlock[] {
  if (typeof content === "string") return [{ text: content }];
  return content.map((part, index): ConverseContentBlock => {
    const where = `${at}.content[${index}]`;
    switch (part.type) {
      case "text":
        return { text: part.text };
      case "image_url":
        return imageBlock(part.image_url.url, `${where}.image_url.url`, refuse);
      case "file":
        return refuse({ param: where, what: "file content parts" });
      default:
        return refuse({ param: where, what: "audio input" });
    }
  });
}

function imageBlock(url: string, where: string, refuse: Refuse): ConverseContentBlock {
  const data = DATA_URL.exec(url);
  if (data === null) {
    return refuse({
      param: where,
      what: "images by URL (send the image inline as a base64 `data:` URL)",
    });
  }
  const format = IMAGE_FORMATS[(data[1] ?? "").toLowerCase()];
  if (format === undefined) {
    return refuse({ param: where, what: `images of type ${data[1]} (png, jpeg, gif, webp)` });
  }
  return { image: { format, source: { bytes: data[2] ?? "" } } };
}

function assistantBlocks(
  message: Extract<ChatMessage, { role: "assistant" }>,
  at: string,
  refuse: Refuse,
): ConverseContentBlock[] {
  const blocks: ConverseContentBlock[] = [];
  const { content } = message;
  if (typeof content === "string") blocks.push({ text: content });
  for (const part of Array.isArray(content) ? content : []) {
    blocks.push({ text: part.type === "text" ? part.text : part.refusal });
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
      blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input } });
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
