/** An Anthropic Messages request becomes the canonical Chat Completions request, field by field. */
import { describe, expect, it } from "vitest";
import { parseMessagesRequest } from "../../../functions/protocols/anthropic/parse-messages-request.ts";

function translate(body: Record<string, unknown>) {
  const parsed = parseMessagesRequest({
    model: "mock/echo",
    max_tokens: 64,
    messages: [{ role: "user", content: "hi" }],
    ...body,
  });
  if (!parsed.ok) throw new Error(`refused: ${parsed.problem.message}`);
  return parsed.value.chat;
}

function problemOf(body: unknown) {
  const parsed = parseMessagesRequest(body);
  if (parsed.ok) throw new Error("expected a refusal");
  return parsed.problem;
}

describe("Anthropic request → Chat Completions request", () => {
  it.each([
    ["a string system prompt", { system: "Be brief." }, [{ role: "system", content: "Be brief." }]],
    [
      "system prompt blocks, cache_control left out",
      {
        system: [
          { type: "text", text: "One.", cache_control: { type: "ephemeral" } },
          { type: "text", text: "Two." },
        ],
      },
      [
        {
          role: "system",
          content: [
            { type: "text", text: "One." },
            { type: "text", text: "Two." },
          ],
        },
      ],
    ],
    ["an empty system prompt", { system: "" }, []],
  ])("translates %s", (_name, body, systemMessages) => {
    const chat = translate(body);
    expect(chat.messages).toEqual([...systemMessages, { role: "user", content: "hi" }]);
  });

  it("translates text and images given as base64 and as URL", () => {
    const chat = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
        ],
      },
    ]);
  });

  it("translates a PDF document as a file part and a text document as text", () => {
    const chat = translate({
      messages: [
        {
          role: "user",
          content: [
            {
              type: "document",
              title: "spec.pdf",
              source: { type: "base64", media_type: "application/pdf", data: "JVBER" },
            },
            { type: "document", title: "Notes", source: { type: "text", data: "plain words" } },
          ],
        },
      ],
    });
    expect(chat.messages[0]).toEqual({
      role: "user",
      content: [
        {
          type: "file",
          file: { file_data: "data:application/pdf;base64,JVBER", filename: "spec.pdf" },
        },
        { type: "text", text: "Notes\n\nplain words" },
      ],
    });
  });

  it("translates tool definitions and every tool_choice", () => {
    const tools = [
      {
        name: "get_weather",
        description: "Weather for a city",
        input_schema: { type: "object", properties: { city: { type: "string" } } },
      },
    ];
    const base = translate({ tools });
    expect(base.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather for a city",
          parameters: { type: "object", properties: { city: { type: "string" } } },
        },
      },
    ]);
    expect(base.tool_choice).toBeUndefined();
    const choices: Array<[unknown, unknown, boolean | undefined]> = [
      [{ type: "auto" }, "auto", undefined],
      [{ type: "any" }, "required", undefined],
      [{ type: "none" }, "none", undefined],
      [
        { type: "tool", name: "get_weather" },
        { type: "function", function: { name: "get_weather" } },
        undefined,
      ],
      [{ type: "auto", disable_parallel_tool_use: true }, "auto", false],
      [{ type: "any", disable_parallel_tool_use: true }, "required", false],
    ];
    for (const [toolChoice, expected, parallel] of choices) {
      const chat = translate({ tools, tool_choice: toolChoice });
      expect(chat.tool_choice).toEqual(expected);
      expect(chat.parallel_tool_calls).toBe(parallel);
    }
  });

  it("translates a tool_use turn and its tool_result into tool calls and tool messages", () => {
    const chat = translate({
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Need the tool.", signature: "sig" },
            { type: "text", text: "Let me check." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "18°C" },
            {
              type: "tool_result",
              tool_use_id: "toolu_2",
              is_error: true,
              content: [
                { type: "text", text: "map: " },
                { type: "text", text: "unavailable" },
                { type: "image", source: { type: "url", url: "https://example.com/map.png" } },
              ],
            },
            { type: "text", text: "And tomorrow?" },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          {
            id: "toolu_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "18°C" },
      { role: "tool", tool_call_id: "toolu_2", content: "map: unavailable" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "https://example.com/map.png" } },
          { type: "text", text: "And tomorrow?" },
        ],
      },
    ]);
  });

  it("gives an assistant turn of tool calls only a null content", () => {
    const chat = translate({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t" }] },
      ],
    });
    expect(chat.messages[1]).toMatchObject({ role: "assistant", content: null });
    expect(chat.messages[2]).toEqual({ role: "tool", tool_call_id: "t", content: "" });
  });

  it("maps sampling, stop sequences, max_tokens and metadata.user_id", () => {
    const chat = translate({
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ["END", "STOP"],
      metadata: { user_id: "user-42" },
    });
    expect(chat).toMatchObject({
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      // No Chat Completions field; kept for the OpenAI-compatible servers that read it.
      top_k: 40,
      stop: ["END", "STOP"],
      user: "user-42",
    });
    expect(chat).not.toHaveProperty("metadata");
    expect(chat).not.toHaveProperty("stop_sequences");
  });

  it("asks a streamed request for usage, since message_delta reports it", () => {
    expect(translate({ stream: true })).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(translate({ stream: false })).not.toHaveProperty("stream");
  });

  it("passes unknown top-level fields through instead of dropping them", () => {
    const chat = translate({
      thinking: { type: "enabled", budget_tokens: 1024 },
      service_tier: "auto",
    });
    expect(chat).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 1024 },
      service_tier: "auto",
    });
  });
});

describe("Anthropic requests the gateway refuses", () => {
  const valid = { model: "mock/echo", max_tokens: 10, messages: [{ role: "user", content: "x" }] };

  it.each([
    ["max_tokens missing", { ...valid, max_tokens: undefined }, "max_tokens"],
    ["no messages", { ...valid, messages: [] }, "messages"],
    [
      "a system role inside messages",
      { ...valid, messages: [{ role: "system", content: "x" }] },
      "messages[0].role",
    ],
    ["temperature above 1", { ...valid, temperature: 1.5 }, "temperature"],
    [
      "an unknown block type",
      { ...valid, messages: [{ role: "user", content: [{ type: "video" }] }] },
      "messages[0].content[0].type",
    ],
    [
      "a tool_choice naming no tool",
      { ...valid, tool_choice: { type: "tool" } },
      "tool_choice.name",
    ],
    [
      "a server tool",
      { ...valid, tools: [{ type: "web_search_20250305", name: "web_search" }] },
      "tools[0].type",
    ],
    [
      "a document by URL",
      {
        ...valid,
        messages: [
          {
            role: "user",
            content: [{ type: "document", source: { type: "url", url: "https://x/y.pdf" } }],
          },
        ],
      },
      "messages[0].content[0].source",
    ],
  ])("refuses %s, naming the field", (_name, body, param) => {
    expect(problemOf(body).param).toBe(param);
  });

  it("refuses a body that is not an object", () => {
    expect(problemOf([1, 2]).message).toMatch(/JSON object/);
  });
});
