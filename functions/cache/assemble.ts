/**
 * A streamed answer put back together as the completion it streams (so that a streamed miss can
 * be cached and later served as JSON or replayed as a stream). Content, refusals and tool-call
 * arguments are concatenated per choice, tool calls are keyed by their `index`, as OpenAI's own
 * SDK accumulates them. A stream whose choices did not all finish is no completion: null.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  CompletionChoice,
  FinishReason,
  FunctionToolCall,
  WireUsage,
} from "../protocols/openai/chat.ts";

interface ChoiceParts {
  content: string | null;
  refusal: string | null;
  toolCalls: Map<number, { id: string; name: string; arguments: string }>;
  finishReason: FinishReason | null;
}

export interface CompletionAssembler {
  add(chunk: ChatCompletionChunk): void;
  /** The completion, with `usage` as given; null if the stream was not a complete answer. */
  completion(usage: WireUsage): ChatCompletion | null;
}

export function assembleCompletion(): CompletionAssembler {
  let first: ChatCompletionChunk | null = null;
  const choices = new Map<number, ChoiceParts>();
  return {
    add(chunk) {
      first ??= chunk;
      for (const choice of chunk.choices) {
        const parts = choices.get(choice.index) ?? {
          content: null,
          refusal: null,
          toolCalls: new Map(),
          finishReason: null,
        };
        choices.set(choice.index, parts);
        const { delta } = choice;
        if (typeof delta.content === "string")
          parts.content = (parts.content ?? "") + delta.content;
        if (typeof delta.refusal === "string")
          parts.refusal = (parts.refusal ?? "") + delta.refusal;
        for (const call of delta.tool_calls ?? []) {
          const sofar = parts.toolCalls.get(call.index) ?? { id: "", name: "", arguments: "" };
          parts.toolCalls.set(call.index, {
            id: call.id ?? sofar.id,
            name: sofar.name + (call.function?.name ?? ""),
            arguments: sofar.arguments + (call.function?.arguments ?? ""),
          });
        }
        if (choice.finish_reason) parts.finishReason = choice.finish_reason;
      }
    },
    completion(usage) {
      if (first === null || choices.size === 0) return null;
      const finished: CompletionChoice[] = [];
      for (const [index, parts] of [...choices].sort(([a], [b]) => a - b)) {
        if (parts.finishReason === null) return null;
        finished.push({ index, message: messageOf(parts), finish_reason: parts.finishReason });
      }
      return {
        id: first.id,
        object: "chat.completion",
        created: first.created,
        model: first.model,
        choices: finished,
        usage,
        ...(first.system_fingerprint ? { system_fingerprint: first.system_fingerprint } : {}),
      };
    },
  };
}

function messageOf(parts: ChoiceParts): CompletionChoice["message"] {
  const toolCalls: FunctionToolCall[] = [...parts.toolCalls]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  return {
    role: "assistant",
    content: parts.content,
    ...(parts.refusal !== null ? { refusal: parts.refusal } : {}),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}
