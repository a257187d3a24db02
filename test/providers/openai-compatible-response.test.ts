import { describe, expect, it } from "vitest";
import { ProviderError } from "../../functions/providers/errors.ts";
import { mapFinishReason } from "../../functions/providers/openai-compatible/finish-reason.ts";
import { parseChatCompletion } from "../../functions/providers/openai-compatible/response.ts";
import { fromWireUsage } from "../../functions/providers/usage.ts";

const defaults = { id: "chatcmpl-req_1", created: 1_700_000_000, model: "deployment-model" };

const openAIAnswer = {
  id: "chatcmpl-abc",
  object: "chat.completion",
  created: 1_753_800_000,
  model: "gpt-4o-2024-08-06",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Paris.", refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: {
    prompt_tokens: 20,
    completion_tokens: 2,
    total_tokens: 22,
    prompt_tokens_details: { cached_tokens: 16, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
  system_fingerprint: "fp_1",
  service_tier: "default",
};

describe("parsing an upstream completion", () => {
  it("returns an OpenAI answer as it came", () => {
    const { response } = parseChatCompletion(openAIAnswer, defaults, "openai");
    expect(response).toEqual(openAIAnswer);
  });

  it("maps usage including cached prompt tokens", () => {
    const { usage } = parseChatCompletion(openAIAnswer, defaults, "openai");
    expect(usage && fromWireUsage(usage)).toEqual({
      inputTokens: 20,
      outputTokens: 2,
      cachedInputTokens: 16,
      estimated: false,
    });
  });

  it("reads DeepSeek's top-level cache hits as cached tokens", () => {
    const wire = {
      prompt_tokens: 100,
      completion_tokens: 5,
      total_tokens: 105,
      prompt_cache_hit_tokens: 64,
    };
    expect(fromWireUsage(wire).cachedInputTokens).toBe(64);
  });

  it("fills what a minimal compatible server leaves out", () => {
    const minimal = { choices: [{ message: { content: "hi" }, finish_reason: "eos" }] };
    const { response, usage } = parseChatCompletion(minimal, defaults, "local");
    expect(response).toEqual({
      id: "chatcmpl-req_1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "deployment-model",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
    });
    expect(usage).toBeNull();
  });

  it("turns tool calls into OpenAI's shape, stringifying object arguments", () => {
    const answer = {
      choices: [
        {
          message: {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_1",
                type: "function",
                function: { name: "get_weather", arguments: { city: "Paris" } },
              },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
    };
    const { response } = parseChatCompletion(answer, defaults, "local");
    expect(response.choices[0]?.message.tool_calls).toEqual([
      {
        id: "call_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(response.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("says tool_calls when a server omits the finish reason of a tool call", () => {
    const answer = {
      choices: [{ message: { tool_calls: [{ function: { name: "f", arguments: "{}" } }] } }],
    };
    const { response } = parseChatCompletion(answer, defaults, "local");
    expect(response.choices[0]?.finish_reason).toBe("tool_calls");
    expect(response.choices[0]?.message.tool_calls?.[0]?.id).toBe("call_0");
  });

  it("computes total_tokens when a server leaves it out", () => {
    const answer = { ...openAIAnswer, usage: { prompt_tokens: 3, completion_tokens: 4 } };
    expect(parseChatCompletion(answer, defaults, "x").usage?.total_tokens).toBe(7);
  });

  it("keeps provider extras on the message, like reasoning_content", () => {
    const answer = {
      choices: [
        {
          message: { role: "assistant", content: "4", reasoning_content: "2+2" },
          finish_reason: "stop",
        },
      ],
    };
    expect(
      parseChatCompletion(answer, defaults, "deepseek").response.choices[0]?.message,
    ).toMatchObject({
      reasoning_content: "2+2",
    });
  });

  it("refuses an answer without choices as a bad response", () => {
    const parse = () => parseChatCompletion({ id: "x" }, defaults, "broken");
    expect(parse).toThrow(ProviderError);
    try {
      parse();
    } catch (error) {
      expect(error).toMatchObject({ kind: "bad_response", status: 502, retryable: false });
      expect(String(error)).toMatch(/choices/);
    }
  });
});

describe("finish reasons", () => {
  it.each([
    ["stop", "stop"],
    ["length", "length"],
    ["tool_calls", "tool_calls"],
    ["content_filter", "content_filter"],
    ["function_call", "function_call"],
    ["eos", "stop"],
    ["end_turn", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
    ["something_new", "stop"],
  ])("maps %s to %s", (upstream, expected) => {
    expect(mapFinishReason(upstream)).toBe(expected);
  });

  it("keeps a missing finish reason missing", () => {
    expect(mapFinishReason(null)).toBeNull();
  });
});
