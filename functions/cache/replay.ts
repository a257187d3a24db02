/**
 * A cached answer replayed as a stream: the chunks OpenAI would have sent for the same
 * completion. Per choice, one chunk with the whole message (role, content, refusal, tool calls)
 * and one with the finish reason; then, only when the request asked for
 * `stream_options.include_usage`, the `choices: []` usage chunk.
 */
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type CompletionChoice,
  type StreamIdentity,
  usageChunk,
  type WireUsage,
} from "../protocols/openai/chat.ts";

export function replayChunks(
  completion: ChatCompletion,
  usage: WireUsage | null,
): ChatCompletionChunk[] {
  const identity: StreamIdentity = {
    id: completion.id,
    created: completion.created,
    model: completion.model,
  };
  const chunk = (choice: ChatCompletionChunk["choices"][number]): ChatCompletionChunk => ({
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    choices: [choice],
    ...(completion.system_fingerprint ? { system_fingerprint: completion.system_fingerprint } : {}),
  });
  const chunks = completion.choices.flatMap((choice) => [
    chunk({ index: choice.index, delta: messageDelta(choice), finish_reason: null }),
    chunk({ index: choice.index, delta: {}, finish_reason: choice.finish_reason }),
  ]);
  if (usage !== null) chunks.push(usageChunk(identity, usage));
  return chunks;
}

function messageDelta(choice: CompletionChoice): ChatCompletionChunk["choices"][number]["delta"] {
  const { message } = choice;
  return {
    role: "assistant",
    content: message.content,
    ...(message.refusal ? { refusal: message.refusal } : {}),
    ...(message.tool_calls?.length
      ? {
          tool_calls: message.tool_calls.flatMap((call, index) =>
            call.type === "function" ? [{ index, ...call }] : [],
          ),
        }
      : {}),
  };
}

/**
 * Whether the stream format can carry the whole answer: its chunks have no place for custom
 * (non-function) tool calls, so such an answer is not cached rather than replayed without them.
 */
export function isReplayable(completion: ChatCompletion): boolean {
  return completion.choices.every((choice) =>
    (choice.message.tool_calls ?? []).every((call) => call.type === "function"),
  );
}
