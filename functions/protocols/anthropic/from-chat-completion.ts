/**
 * The canonical Chat Completions answer as an Anthropic Message. Pure. The first choice is the
 * answer (an Anthropic request never asks for more than one); usage comes from what the gateway
 * bills, so the client sees the numbers its spend was computed from.
 */

import type { Usage } from "../../providers/types.ts";
import type { ChatCompletion, ToolCall } from "../openai/chat.ts";
import { type ContentBlock, type Message, messageIdFor, toMessageUsage } from "./message.ts";
import { matchedStopOf, toStopReason } from "./stop-reason.ts";

export function toMessage(
  completion: ChatCompletion,
  usage: Usage,
  stopSequences: readonly string[],
): Message {
  const choice = completion.choices[0];
  const content: ContentBlock[] = [];
  const text = choice?.message.content ?? "";
  if (text !== "") content.push({ type: "text", text });
  if (choice?.message.refusal) content.push({ type: "text", text: choice.message.refusal });
  for (const call of choice?.message.tool_calls ?? []) content.push(toolUseBlock(call));
  const stop = toStopReason(
    choice?.finish_reason ?? null,
    choice ? matchedStopOf(choice) : null,
    stopSequences,
  );
  return {
    id: messageIdFor(completion.id),
    type: "message",
    role: "assistant",
    model: completion.model,
    content,
    // A refusal the upstream flagged only by the `refusal` field is still a refusal.
    stop_reason: choice?.message.refusal ? "refusal" : stop.stop_reason,
    stop_sequence: stop.stop_sequence,
    usage: toMessageUsage(usage),
  };
}

function toolUseBlock(call: ToolCall): ContentBlock {
  if (call.type === "function") {
    return {
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: toolInput(call.function.arguments),
    };
  }
  return {
    type: "tool_use",
    id: call.id,
    name: call.custom.name,
    input: { input: call.custom.input },
  };
}

/**
 * Anthropic's `input` is an object; OpenAI's `arguments` is JSON text the model wrote, which a
 * model can get wrong. Text that is not a JSON object is kept whole under `arguments` rather
 * than lost, so the client's tool sees what the model produced.
 */
export function toolInput(argumentsText: string): Record<string, unknown> {
  if (argumentsText.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // fall through: not JSON
  }
  return { arguments: argumentsText };
}
