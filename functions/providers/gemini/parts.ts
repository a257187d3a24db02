/**
 * A candidate's parts, sorted into what OpenAI's message has room for: answer text, thought
 * summaries (→ `reasoning_content`, where DeepSeek and OpenRouter put reasoning) and function
 * calls with their ids (./tool-call-id.ts). Parts of other kinds (code execution, inline media
 * the model generated) are not translated. Pure.
 */
import type { FunctionToolCall } from "../../protocols/openai/chat.ts";
import { makeToolCallId } from "./tool-call-id.ts";
import type { GeminiPart } from "./wire.ts";

export interface SortedParts {
  text: string;
  reasoning: string;
  calls: FunctionToolCall[];
}

/** `nextCall` numbers the response's calls, so the ids stay unique across candidates. */
export function sortParts(
  parts: readonly GeminiPart[],
  requestId: string,
  nextCall: () => number,
): SortedParts {
  const sorted: SortedParts = { text: "", reasoning: "", calls: [] };
  for (const part of parts) {
    if (part.functionCall) {
      const { id, name, args } = part.functionCall;
      sorted.calls.push({
        id: makeToolCallId(requestId, nextCall(), id, part.thoughtSignature),
        type: "function",
        function: { name, arguments: JSON.stringify(args ?? {}) },
      });
    } else if (typeof part.text === "string") {
      if (part.thought === true) sorted.reasoning += part.text;
      else sorted.text += part.text;
    }
  }
  return sorted;
}
