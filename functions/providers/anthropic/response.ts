/**
 * A Messages API answer → the canonical ChatCompletion and its usage. Pure apart from the clock
 * and id fallbacks passed in.
 */
import type {
  ChatCompletion,
  CompletionMessage,
  FinishReason,
  ToolCall,
} from "../../protocols/openai/chat.ts";
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
  /** The forced JSON tool (./json-output.ts), whose call is the answer's content; null: none. */
  jsonTool?: string | null;
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
  let jsonText: string | null = null;
  for (const content of upstream.content) {
    const found = classifyBlock(content);
    if (found?.kind === "tool_use" && found.block.name === defaults.jsonTool) {
      jsonText = JSON.stringify(found.block.input ?? {});
    } else if (found?.kind === "text") text += found.block.text;
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
  // In JSON mode the JSON is the content; any text the model wrote before its call is preamble.
  if (jsonText !== null) text = jsonText;
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
        finish_reason: finishReasonOf(upstream.stop_reason, toolCalls.length > 0),
      },
    ],
  };
  if (usage) response.usage = toWireUsage(usage);
  return { response, usage };
}

/** A forced JSON call stops with `tool_use`; without client tool calls the answer is complete. */
function finishReasonOf(stopReason: string | null | undefined, toolCalls: boolean): FinishReason {
  const mapped = mapStopReason(stopReason);
  if (mapped === "tool_calls" && !toolCalls) return "stop";
  return mapped ?? (toolCalls ? "tool_calls" : "stop");
}
