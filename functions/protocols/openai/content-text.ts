/** The plain text of message content, for token counting, guardrails and the mock provider. */
import type { ChatMessage } from "./messages.ts";

type MessageContent = ChatMessage["content"];

/** Text parts joined by newlines; images, audio and files contribute nothing. */
export function contentText(content: MessageContent): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  const texts: string[] = [];
  for (const part of content) {
    if (part.type === "text") texts.push(part.text);
    else if (part.type === "refusal") texts.push(part.refusal);
  }
  return texts.join("\n");
}

/** The text of the last `user` message, or "" when there is none. */
export function lastUserText(messages: readonly ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message?.role === "user") return contentText(message.content);
  }
  return "";
}
