/**
 * A Messages API answer → the canonical ChatCompletion and its usage. Pure apart from the clock
 * and id fallbacks passed in.
 */
import type { ChatCompletion, CompletionMessage, ToolCall } from "../../protocols/openai/chat.ts";
import { ProviderError } from "../errors.ts";
import type { Usage } from "../types.ts";
import { toWireUsage } from "../usage.ts";
import { mapStopReason } from "./finish-reason.ts";
import { mergeUsage, NO_TOKENS, toUsage } from "./usage.ts";
import { anthropicMessageSchema, classifyBlock } from "./wire.ts";

export interface ResponseDefaults {
  id: string;
  created: number;
  model: string;
}

export function parseMessage(
  json: unknown,
  defaults: ResponseDefaults,
  provider: string,
): { response: ChatCompletion; usage: Usage | null } {
  const parsed = anthropicMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "body" : "body";
    throw new ProviderError({
      kind: "bad_response",
      message: `Provider '${provider}' answered with an invalid message (${where}: ${issue?.message ?? "invalid"}).`,
      status: 502,
      retryable: false,
    });
  }
  const upstream = parsed.data;
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  for (const content of upstream.content) {
    const found = classifyBlock(content);
    if (found?.kind === "text") text += found.block.text;
    else if (found?.kind === "thinking") reasoning += found.block.thinking;
    else if (found?.kind === "tool_use") {
      const { id, name, input } = found.block;
      toolCalls.push({
        id,
        type: "function",
        function: { name, arguments: JSON.stringify(input ?? {}) },
      });
    }
  }
  const message: CompletionMessage = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // Thinking text where DeepSeek and OpenRouter put reasoning for OpenAI clients.
  if (reasoning !== "") message.reasoning_content = reasoning;
  const usage = upstream.usage ? toUsage(mergeUsage(NO_TOKENS, upstream.usage)) : null;
  const response: ChatCompletion = {
    id: upstream.id || defaults.id,
    object: "chat.completion",
    created: defaults.created,
    model: upstream.model || defaults.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason:
          mapStopReason(upstream.stop_reason) ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
      },
    ],
  };
  if (usage) response.usage = toWireUsage(usage);
  return { response, usage };
}
