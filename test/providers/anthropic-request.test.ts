import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";
import { buildMessagesRequest } from "../../functions/providers/anthropic/request.ts";
import { upstreamUrl } from "../../functions/providers/http.ts";
import { chatRequest, target } from "./helpers.ts";

const anthropic = (overrides = {}) =>
  target({
    kind: "anthropic",
    name: "claude",
    baseUrl: "https://api.anthropic.test/",
    apiKey: "sk-ant-secret-123456",
    model: "claude-sonnet-4-20250514",
    ...overrides,
  });

function bodyOf(request: ChatCompletionRequest): Record<string, unknown> {
  const built = buildMessagesRequest(request, anthropic());
  if (typeof built.body !== "string") throw new Error("expected a JSON text body");
  return JSON.parse(built.body) as Record<string, unknown>;
}

describe("an OpenAI chat request as an Anthropic Messages request", () => {
  it("posts to <baseUrl>/v1/messages with x-api-key and anthropic-version", () => {
    const built = buildMessagesRequest(chatRequest(), anthropic());
    expect(upstreamUrl(built)).toBe("https://api.anthropic.test/v1/messages");
    expect(built.headers).toMatchObject({
      "x-api-key": "sk-ant-secret-123456",
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    });
    expect(built.headers).not.toHaveProperty("authorization");
  });

  it("uses Anthropic's own host when the provider sets no base URL, and config headers", () => {
    const built = buildMessagesRequest(
      chatRequest(),
      anthropic({
        baseUrl: null,
        config: {
          headers: { "Anthropic-Beta": "prompt-caching-2024-07-31" },
          anthropicVersion: "2024-01-01",
        },
      }),
    );
    expect(upstreamUrl(built)).toBe("https://api.anthropic.com/v1/messages");
    expect(built.headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    expect(built.headers["anthropic-version"]).toBe("2024-01-01");
  });

  it("splits system and developer messages out into the system prompt", () => {
    const body = bodyOf(
      chatRequest({
        messages: [
          { role: "system", content: "You are terse." },
          { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
          { role: "user", content: "Capital of Italy?" },
        ],
      }),
    );
    expect(body.system).toBe("You are terse.\n\nAnswer in French.");
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Capital of Italy?" }] },
    ]);
    expect(body.model).toBe("claude-sonnet-4-20250514");
  });

  it("asks for max_completion_tokens, else max_tokens, else a default (Anthropic requires one)", () => {
    expect(bodyOf(chatRequest({ max_completion_tokens: 50, max_tokens: 70 })).max_tokens).toBe(50);
    expect(bodyOf(chatRequest({ max_tokens: 70 })).max_tokens).toBe(70);
    expect(bodyOf(chatRequest()).max_tokens).toBe(4096);
  });

  it("sends images inline (data URL → base64 source) or by URL", () => {
    const body = bodyOf(
      chatRequest({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Compare these." },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              { type: "image_url", image_url: { url: "https://example.test/cat.jpg" } },
            ],
          },
        ],
      }),
    );
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare these." },
          {
            type: "image",
            source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
          },
          { type: "image", source: { type: "url", url: "https://example.test/cat.jpg" } },
        ],
      },
    ]);
  });

  it("translates tools, tool calls and tool results, merging results into one user turn", () => {
    const body = bodyOf(
      chatRequest({
        messages: [
          { role: "user", content: "Weather in Paris and Berlin?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "toolu_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
              {
                id: "toolu_2",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Berlin"}' },
              },
            ],
          },
          { role: "tool", tool_call_id: "toolu_1", content: "18°C" },
          { role: "tool", tool_call_id: "toolu_2", content: "12°C" },
        ],
        tools: [
          {
            type: "function",
            function: {
              name: "get_weather",
              description: "Current weather",
              parameters: { type: "object", properties: { city: { type: "string" } } },
            },
          },
        ],
        tool_choice: "required",
        parallel_tool_calls: false,
      }),
    );
    expect(body.tools).toEqual([
      {
        name: "get_weather",
        description: "Current weather",
        input_schema: { type: "object", properties: { city: { type: "string" } } },
      },
    ]);
    expect(body.tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Berlin?" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Berlin" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18°C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: "12°C" },
        ],
      },
    ]);
  });

  it("maps a named tool choice and none", () => {
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    expect(
      bodyOf(chatRequest({ tools, tool_choice: { type: "function", function: { name: "f" } } }))
        .tool_choice,
    ).toEqual({
      type: "tool",
      name: "f",
    });
    expect(bodyOf(chatRequest({ tools, tool_choice: "none" })).tool_choice).toEqual({
      type: "none",
    });
    expect(bodyOf(chatRequest({ tools })).tools).toEqual([
      { name: "f", input_schema: { type: "object", properties: {} } },
    ]);
  });

  it("maps stop, temperature, top_p and user; drops seed and penalties; passes unknown fields through", () => {
    const body = bodyOf(
      chatRequest({
        stop: "END",
        temperature: 0.2,
        top_p: 0.9,
        user: "user-42",
        seed: 7,
        presence_penalty: 0.5,
        top_k: 40,
      }),
    );
    expect(body).toMatchObject({
      stop_sequences: ["END"],
      temperature: 0.2,
      top_p: 0.9,
      metadata: { user_id: "user-42" },
      top_k: 40,
    });
    expect(body).not.toHaveProperty("seed");
    expect(body).not.toHaveProperty("presence_penalty");
    expect(body).not.toHaveProperty("stream");
  });

  it.each([
    ["n", { n: 2 }],
    ["logprobs", { logprobs: true }],
  ])("refuses what it cannot serve with a 400 naming `%s`", (param, overrides) => {
    const build = () => buildMessagesRequest(chatRequest(overrides), anthropic());
    expect(build).toThrow(expect.objectContaining({ status: 400, param, retryable: false }));
  });

  it("refuses audio input and unparseable tool arguments, naming where they are", () => {
    const audio = chatRequest({
      messages: [
        {
          role: "user",
          content: [{ type: "input_audio", input_audio: { data: "AAA", format: "wav" } }],
        },
      ],
    });
    expect(() => buildMessagesRequest(audio, anthropic())).toThrow(
      expect.objectContaining({ param: "messages[0].content[0]" }),
    );
    const badArguments = chatRequest({
      messages: [
        { role: "user", content: "hi" },
        {
          role: "assistant",
          tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "[1]" } }],
        },
      ],
    });
    expect(() => buildMessagesRequest(badArguments, anthropic())).toThrow(
      expect.objectContaining({ param: "messages[1].tool_calls[0].function.arguments" }),
    );
  });
});
