/**
 * A decoded JSON body as a canonical Chat Completions request, through the Anthropic Messages
 * schema: first validated as Anthropic's request (the problem names the field in the client's
 * own terms), then translated. Both steps say precisely what is wrong, as a RequestProblem.
 */
import type { ChatCompletionRequest } from "../openai/chat.ts";
import { describeIssue } from "../openai/issue-message.ts";
import type { ParseResult } from "../openai/parse-chat-request.ts";
import { type MessagesRequest, messagesRequestSchema } from "./messages-request.ts";
import { toChatRequest } from "./to-chat-request.ts";

export interface ParsedMessagesRequest {
  messages: MessagesRequest;
  chat: ChatCompletionRequest;
}

export function parseMessagesRequest(body: unknown): ParseResult<ParsedMessagesRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      problem: { message: "The request body must be a JSON object.", param: null },
    };
  }
  const result = messagesRequestSchema.safeParse(body, { reportInput: true });
  if (!result.success) {
    const [first] = result.error.issues;
    if (!first) return { ok: false, problem: { message: "Invalid request body.", param: null } };
    return { ok: false, problem: describeIssue(first) };
  }
  const chat = toChatRequest(result.data);
  if (!chat.ok) return chat;
  return { ok: true, value: { messages: result.data, chat: chat.value } };
}
