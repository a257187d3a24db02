/**
 * A Converse answer → the canonical ChatCompletion and its usage. Pure apart from the id, clock
 * and model passed in (Converse answers carry none of them).
 */
import type { ChatCompletion, CompletionMessage, ToolCall } from "../../protocols/openai/chat.ts";
import { ProviderError } from "../errors.ts";
import type { Usage } from "../types.ts";
import { toWireUsage } from "../usage.ts";
import { mapStopReason } from "./finish-reason.ts";
import { toUsage } from "./usage.ts";
import { converseResponseSchema } from "./wire.ts";

export interface ResponseDefaults {
  id: string;
  created: number;
  model: string;
}

export function parseConverseResponse(
  json: unknown,
  defaults: ResponseDefaults,
  provider: string,
): { response: ChatCompletion; usage: Usage | null } {
  const parsed = converseResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "body" : "body";
    throw new ProviderError({
      kind: "bad_response",
      message: `Provider '${provider}' answered with an invalid Converse response (${where}: ${issue?.message ?? "invalid"}).`,
      status: 502,
      retryable: false,
    });
  }
  const upstream = parsed.data;
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  for (const block of upstream.output.message.content) {
    if (typeof block.text === "string") text += block.text;
    else if (block.toolUse) {
      const { toolUseId, name, input } = block.toolUse;
      toolCalls.push({
        id: toolUseId,
        type: "function",
        function: { name, arguments: JSON.stringify(input ?? {}) },
      });
    } else if (block.reasoningContent?.reasoningText) {
      reasoning += block.reasoningContent.reasoningText.text;
    }
  }
  const message: CompletionMessage = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== "") message.reasoning_content = reasoning;
  const usage = upstream.usage ? toUsage(upstream.usage) : null;
  const response: ChatCompletion = {
    id: defaults.id,
    object: "chat.completion",
    created: defaults.created,
    model: defaults.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason:
          mapStopReason(upstream.stopReason) ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
      },
    ],
  };
  if (usage) response.usage = toWireUsage(usage);
  return { response, usage };
}
