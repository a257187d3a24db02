/**
 * OpenAI chat messages → Gemini's `systemInstruction` and `contents`
 * (https://ai.google.dev/api/generate-content#request-body). Pure.
 *
 * System and developer messages become the system instruction; assistant turns have role
 * `model`; tool results become `functionResponse` parts in a user turn. Gemini's function calls
 * carry no id, so the response side makes them (./tool-call-id.ts) and a tool result finds its
 * function's name by looking its `tool_call_id` up among the assistant's earlier calls.
 * Consecutive turns of one role are merged: the parallel calls' results must share one turn.
 */
import type { ChatMessage, UserContentPart } from "../../protocols/openai/chat.ts";
import type { UnsupportedFeature } from "../capabilities.ts";
import { parseToolCallId } from "./tool-call-id.ts";

export type GeminiRequestPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { fileUri: string; mimeType?: string } }
  | {
      functionCall: { name: string; args: Record<string, unknown> };
      thoughtSignature?: string;
    }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiRequestPart[];
}

export interface GeminiConversation {
  systemInstruction: { parts: Array<{ text: string }> } | null;
  contents: GeminiContent[];
}

export type Refuse = (feature: UnsupportedFeature) => never;

/** `data:<media type>;base64,<data>` (RFC 2397), the form OpenAI clients inline files in. */
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;
/** Files uploaded through Gemini's File API: the only remote URIs `fileData` takes. */
const FILE_API_URI = /^https:\/\/generativelanguage\.googleapis\.com\/v1(?:beta)?\/files\/[\w-]+$/;

export function toGeminiConversation(
  messages: readonly ChatMessage[],
  refuse: Refuse,
): GeminiConversation {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  /** tool_call_id → function name, from the assistant turns seen so far. */
  const callNames = new Map<string, string>();
  const append = (role: GeminiContent["role"], parts: GeminiRequestPart[]) => {
    const kept = parts.filter((part) => !("text" in part) || part.text !== "");
    if (kept.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...kept);
    else contents.push({ role, parts: kept });
  };
  for (const [position, message] of messages.entries()) {
    const at = `messages[${position}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(textOf(message.content));
        break;
      case "user":
        append("user", userParts(message.content, at, refuse));
        break;
      case "assistant":
        append("model", modelParts(message, at, refuse, callNames));
        break;
      case "tool": {
        const name = callNames.get(message.tool_call_id);
        if (name === undefined) {
          refuse({
            param: `${at}.tool_call_id`,
            what: "a tool result whose `tool_call_id` matches no earlier assistant tool call",
          });
        } else {
          append("user", [
            { functionResponse: { name, response: toolResponse(textOf(message.content)) } },
          ]);
        }
        break;
      }
      case "function":
        refuse({ param: at, what: "`function` messages (use `tool` messages)" });
    }
  }
  const prompt = system.filter((text) => text !== "").join("\n\n");
  return {
    systemInstruction: prompt === "" ? null : { parts: [{ text: prompt }] },
    contents,
  };
}

function textOf(content: string | ReadonlyArray<{ text: string }>): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/**
 * `functionResponse.response` must be a JSON object: a tool that answered one is passed as it
 * is, anything else (text, a number, an array) under `content`.
 */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // not JSON: plain text
  }
  return { content: text };
}

function userParts(
  content: string | readonly UserContentPart[],
  at: string,
  refuse: Refuse,
): GeminiRequestPart[] {
  if (typeof content === "string") return [{ text: content }];
  return content.map((part, index): GeminiRequestPart => {
    const where = `${at}.content[${index}]`;
    switch (part.type) {
      case "text":
        return { text: part.text };
      case "image_url":
        return mediaPart(part.image_url.url, `${where}.image_url.url`, refuse);
      case "file": {
        const data = DATA_URL.exec(part.file.file_data ?? "");
        if (data?.[1] !== undefined && data[2] !== undefined) {
          return { inlineData: { mimeType: data[1], data: data[2] } };
        }
        return refuse({ param: where, what: "files other than inline data (`file_data`)" });
      }
      default:
        // input_audio: Gemini takes audio inline (wav, mp3, ...).
        return {
          inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data },
        };
    }
  });
}

/**
 * A data URL is sent inline; a File API URI by reference. Gemini does not fetch other URLs, and
 * the gateway will not fetch them on its behalf (that would be a request to wherever a client
 * points), so they are refused.
 */
function mediaPart(url: string, param: string, refuse: Refuse): GeminiRequestPart {
  const data = DATA_URL.exec(url);
  if (data?.[1] !== undefined && data[2] !== undefined) {
    return { inlineData: { mimeType: data[1], data: data[2] } };
  }
  if (FILE_API_URI.test(url)) return { fileData: { fileUri: url } };
  return refuse({
    param,
    what: "image URLs other than data URLs (`data:image/...;base64,`) or Gemini File API URIs",
  });
}

function modelParts(
  message: Extract<ChatMessage, { role: "assistant" }>,
  at: string,
  refuse: Refuse,
  callNames: Map<string, string>,
): GeminiRequestPart[] {
  const parts: GeminiRequestPart[] = [];
  const { content } = message;
  if (typeof content === "string") parts.push({ text: content });
  for (const part of Array.isArray(content) ? content : []) {
    parts.push({ text: part.type === "text" ? part.text : part.refusal });
  }
  if (message.function_call) {
    refuse({ param: `${at}.function_call`, what: "`function_call` (use `tool_calls`)" });
  }
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    const where = `${at}.tool_calls[${index}]`;
    if (call.type !== "function") {
      refuse({ param: where, what: "custom tool calls" });
      continue;
    }
    const args = parseArguments(call.function.arguments);
    if (args === null) {
      refuse({
        param: `${where}.function.arguments`,
        what: "tool arguments that are not a JSON object",
      });
      continue;
    }
    callNames.set(call.id, call.function.name);
    const { thoughtSignature } = parseToolCallId(call.id);
    parts.push({
      functionCall: { name: call.function.name, args },
      ...(thoughtSignature ? { thoughtSignature } : {}),
    });
  }
  return parts;
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
