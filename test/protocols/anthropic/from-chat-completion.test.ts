/** The canonical Chat Completions answer becomes an Anthropic Message. */
import { describe, expect, it } from "vitest";
import { toMessage } from "../../../functions/protocols/anthropic/from-chat-completion.ts";
import type { ChatCompletion, CompletionChoice } from "../../../functions/protocols/openai/chat.ts";
import type { Usage } from "../../../functions/providers/types.ts";

const usage: Usage = {
  inputTokens: 120,
  outputTokens: 30,
  cachedInputTokens: 100,
  estimated: false,
};

function completion(choice: Partial<CompletionChoice> & Record<string, unknown>): ChatCompletion {
  return {
    id: "chatcmpl-abc",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-mini",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Hello." },
        finish_reason: "stop",
        ...choice,
      },
    ],
  };
}

describe("Chat Completions answer → Anthropic Message", () => {
  it("answers text as one text block, with Anthropic's id, type and role", () => {
    expect(toMessage(completion({}), usage, [])).toEqual({
      id: "msg_chatcmpl-abc",
      type: "message",
      role: "assistant",
      model: "gpt-4o-mini",
      content: [{ type: "text", text: "Hello." }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: 20,
        output_tokens: 30,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it.each([
    ["stop", "end_turn"],
    ["length", "max_tokens"],
    ["tool_calls", "tool_use"],
    ["function_call", "tool_use"],
    ["content_filter", "refusal"],
  ] as const)("maps finish_reason %s to stop_reason %s", (finish, stop) => {
    expect(toMessage(completion({ finish_reason: finish }), usage, []).stop_reason).toBe(stop);
  });

  it("reports stop_sequence when the upstream names the request's sequence that matched", () => {
    const vllmStyle = toMessage(completion({ stop_reason: "END" }), usage, ["END"]);
    expect(vllmStyle).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "END" });
    const unknown = toMessage(completion({ stop_reason: "OTHER" }), usage, ["END"]);
    expect(unknown).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
  });

  it("answers tool calls as tool_use blocks with parsed input", () => {
    const message = toMessage(
      completion({
        finish_reason: "tool_calls",
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            { id: "call_2", type: "function", function: { name: "now", arguments: "" } },
            { id: "call_3", type: "function", function: { name: "bad", arguments: '{"city":' } },
          ],
        },
      }),
      usage,
      [],
    );
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_2", name: "now", input: {} },
      // What the model wrote is kept, not lost, when it is not a JSON object.
      { type: "tool_use", id: "call_3", name: "bad", input: { arguments: '{"city":' } },
    ]);
  });

  it("answers a refusal as text with stop_reason refusal", () => {
    const message = toMessage(
      completion({
        message: { role: "assistant", content: null, refusal: "I can't help with that." },
      }),
      usage,
      [],
    );
    expect(message.content).toEqual([{ type: "text", text: "I can't help with that." }]);
    expect(message.stop_reason).toBe("refusal");
  });

  it("keeps an upstream msg_ id as is", () => {
    expect(toMessage({ ...completion({}), id: "msg_01XYZ" }, usage, []).id).toBe("msg_01XYZ");
  });
});
