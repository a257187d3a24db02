/** Table tests of the pure Gemini translations: request body, schemas, finish reasons, usage. */
import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";
import type { UnsupportedFeature } from "../../functions/providers/capabilities.ts";
import { mapFinishReason } from "../../functions/providers/gemini/finish-reason.ts";
import {
  buildGenerateContentRequest,
  toGenerateContentBody,
} from "../../functions/providers/gemini/request.ts";
import { toGeminiSchema } from "../../functions/providers/gemini/schema.ts";
import { parseToolCallId } from "../../functions/providers/gemini/tool-call-id.ts";
import { toUsage } from "../../functions/providers/gemini/usage.ts";
import { chatRequest, target } from "./helpers.ts";

class Refused extends Error {
  constructor(readonly feature: UnsupportedFeature) {
    super(feature.what);
  }
}
const refuse = (feature: UnsupportedFeature): never => {
  throw new Refused(feature);
};
const body = (overrides: Partial<ChatCompletionRequest> = {}) =>
  toGenerateContentBody(chatRequest(overrides), refuse);
const refusal = (overrides: Partial<ChatCompletionRequest>) => {
  try {
    body(overrides);
  } catch (error) {
    if (error instanceof Refused) return error.feature;
    throw error;
  }
  return null;
};

const gemini = target({
  kind: "gemini",
  name: "gemini",
  baseUrl: "https://generativelanguage.googleapis.com/",
  apiKey: "AIza-secret-key-0123456789",
  model: "gemini-2.5-flash",
});

describe("the Gemini request", () => {
  it("addresses generateContent or the SSE stream, with the key in x-goog-api-key", () => {
    const whole = buildGenerateContentRequest(chatRequest(), gemini);
    expect(`${whole.baseUrl}${whole.path}`).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
    );
    expect(whole.headers["x-goog-api-key"]).toBe("AIza-secret-key-0123456789");
    expect(whole.path).not.toContain("key=");
    const streamed = buildGenerateContentRequest(chatRequest({ stream: true }), {
      ...gemini,
      model: "models/gemini-2.0-flash",
      config: { apiVersion: "v1" },
    });
    expect(streamed.path).toBe("/v1/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    expect(streamed.headers.accept).toBe("text/event-stream");
  });

  it("puts system and developer messages in systemInstruction and names the assistant 'model'", () => {
    const sent = body({
      messages: [
        { role: "system", content: "Be terse." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Capital of France?" },
        { role: "assistant", content: "Paris." },
        { role: "user", content: "And Italy?" },
      ],
    });
    expect(sent.systemInstruction).toEqual({ parts: [{ text: "Be terse.\n\nAnswer in French." }] });
    expect(sent.contents).toEqual([
      { role: "user", parts: [{ text: "Capital of France?" }] },
      { role: "model", parts: [{ text: "Paris." }] },
      { role: "user", parts: [{ text: "And Italy?" }] },
    ]);
  });

  it.each([
    [
      "a data URL",
      "data:image/png;base64,iVBORw0KGgo=",
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
    ],
    [
      "a File API URI",
      "https://generativelanguage.googleapis.com/v1beta/files/abc-123",
      { fileData: { fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc-123" } },
    ],
  ])("sends an image given as %s", (_name, url, part) => {
    const sent = body({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url } },
          ],
        },
      ],
    });
    expect(sent.contents).toEqual([{ role: "user", parts: [{ text: "What is this?" }, part] }]);
  });

  it("refuses an http image URL, naming the parameter", () => {
    expect(
      refusal({
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }],
          },
        ],
      }),
    ).toMatchObject({ param: "messages[0].content[0].image_url.url" });
  });

  it("translates tool calls and results, finding each result's function by its id", () => {
    const sent = body({
      messages: [
        { role: "user", content: "Weather in Paris and Tokyo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_r_0__thought__c2ln",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            { id: "call_r_1", type: "function", function: { name: "get_time", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "call_r_0__thought__c2ln", content: '{"temp":18}' },
        { role: "tool", tool_call_id: "call_r_1", content: "09:00" },
      ],
    });
    expect(sent.contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Paris and Tokyo?" }] },
      {
        role: "model",
        parts: [
          {
            functionCall: { name: "get_weather", args: { city: "Paris" } },
            thoughtSignature: "c2ln",
          },
          { functionCall: { name: "get_time", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { temp: 18 } } },
          { functionResponse: { name: "get_time", response: { content: "09:00" } } },
        ],
      },
    ]);
  });

  it("refuses a tool result that answers no call", () => {
    expect(
      refusal({
        messages: [
          { role: "user", content: "hi" },
          { role: "tool", tool_call_id: "call_unknown", content: "x" },
        ],
      }),
    ).toMatchObject({ param: "messages[1].tool_call_id" });
  });

  it.each([
    ["auto", undefined, undefined],
    ["none", "none", { functionCallingConfig: { mode: "NONE" } }],
    ["required", "required", { functionCallingConfig: { mode: "ANY" } }],
    [
      "a named function",
      { type: "function", function: { name: "get_weather" } },
      { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
    ],
  ] as const)("maps tool_choice %s to toolConfig", (_name, choice, toolConfig) => {
    const sent = body({
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Weather",
            parameters: {
              type: "object",
              properties: { city: { type: "string" } },
              required: ["city"],
              additionalProperties: false,
            },
          },
        },
        {
          type: "function",
          function: { name: "now", parameters: { type: "object", properties: {} } },
        },
      ],
      ...(choice === undefined
        ? {}
        : { tool_choice: choice as ChatCompletionRequest["tool_choice"] }),
    });
    expect(sent.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Weather",
            parameters: {
              type: "object",
              properties: { city: { type: "string" } },
              required: ["city"],
            },
          },
          { name: "now" },
        ],
      },
    ]);
    expect(sent.toolConfig).toEqual(toolConfig);
  });

  it("maps sampling, stop, n and response formats to generationConfig; passes Gemini fields through", () => {
    const sent = body({
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 200,
      stop: "END",
      n: 2,
      seed: 7,
      user: "u-1",
      response_format: { type: "json_object" },
      ...{ safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }] },
      ...{ generationConfig: { thinkingConfig: { thinkingBudget: 0 } } },
    } as Partial<ChatCompletionRequest>);
    expect(sent.generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 0 },
      temperature: 0.3,
      topP: 0.9,
      maxOutputTokens: 200,
      stopSequences: ["END"],
      candidateCount: 2,
      seed: 7,
      responseMimeType: "application/json",
    });
    expect(sent.safetySettings).toHaveLength(1);
    expect(sent).not.toHaveProperty("user");
    expect(sent).not.toHaveProperty("model");
  });

  it("sends a json_schema as responseSchema in Gemini's dialect", () => {
    const sent = body({
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "city",
          strict: true,
          schema: {
            $schema: "http://json-schema.org/draft-07/schema#",
            type: "object",
            properties: {
              name: { type: "string" },
              population: { type: ["integer", "null"] },
              kind: { const: "city" },
              country: { $ref: "#/$defs/country" },
            },
            required: ["name", "population", "kind", "country"],
            additionalProperties: false,
            $defs: {
              country: {
                type: "object",
                properties: { code: { type: "string", enum: ["FR", "IT"] } },
              },
            },
          },
        },
      },
    });
    expect(sent.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: {
        type: "object",
        properties: {
          name: { type: "string" },
          population: { type: "integer", nullable: true },
          kind: { type: "string", enum: ["city"] },
          country: {
            type: "object",
            properties: { code: { type: "string", format: "enum", enum: ["FR", "IT"] } },
          },
        },
        required: ["name", "population", "kind", "country"],
      },
    });
  });

  it.each([
    ["log probabilities", { logprobs: true }, "logprobs"],
    ["audio output", { modalities: ["text", "audio"] }, "modalities"],
    [
      "function messages",
      { messages: [{ role: "function", name: "f", content: "x" }] },
      "messages[0]",
    ],
  ] as const)("refuses %s with a 400 naming the parameter", (_name, overrides, param) => {
    expect(refusal(overrides as Partial<ChatCompletionRequest>)).toMatchObject({ param });
  });
});

describe("JSON schema conversion", () => {
  it.each([
    [
      "anyOf with null → nullable",
      { anyOf: [{ type: "string" }, { type: "null" }] },
      { type: "string", nullable: true },
    ],
    [
      "oneOf → anyOf",
      { oneOf: [{ type: "string" }, { type: "number" }] },
      { anyOf: [{ type: "string" }, { type: "number" }] },
    ],
    [
      "a type list → anyOf",
      { type: ["string", "number"] },
      { anyOf: [{ type: "string" }, { type: "number" }] },
    ],
    ["unknown formats dropped", { type: "string", format: "email" }, { type: "string" }],
    [
      "known formats kept",
      { type: "string", format: "date-time" },
      { type: "string", format: "date-time" },
    ],
    [
      "allOf merged",
      {
        allOf: [
          { type: "object", properties: { a: { type: "string" } } },
          { properties: { b: { type: "number" } }, required: ["b"] },
        ],
      },
      {
        type: "object",
        properties: { a: { type: "string" }, b: { type: "number" } },
        required: ["b"],
      },
    ],
    [
      "array items",
      { type: "array", items: { type: "integer" }, minItems: 1 },
      { type: "array", items: { type: "integer" }, minItems: 1 },
    ],
  ])("%s", (_name, input, output) => {
    expect(toGeminiSchema(input, "p", refuse)).toEqual(output);
  });

  it("refuses a $ref cycle", () => {
    const tree = {
      type: "object",
      properties: { child: { $ref: "#/$defs/node" } },
      $defs: { node: { type: "object", properties: { child: { $ref: "#/$defs/node" } } } },
    };
    expect(() => toGeminiSchema(tree, "tools[0].function.parameters", refuse)).toThrow(/recursive/);
  });
});

describe("Gemini results", () => {
  it.each([
    ["STOP", false, "stop"],
    ["STOP", true, "tool_calls"],
    ["MAX_TOKENS", false, "length"],
    ["SAFETY", false, "content_filter"],
    ["RECITATION", false, "content_filter"],
    ["PROHIBITED_CONTENT", false, "content_filter"],
    ["MALFORMED_FUNCTION_CALL", false, "stop"],
    [null, false, null],
  ] as const)("finishReason %s (functions called: %s) is %s", (reason, called, finish) => {
    expect(mapFinishReason(reason, called)).toBe(finish);
  });

  it("bills thoughts as output, counts cached and tool-use prompt tokens as input", () => {
    expect(
      toUsage({
        promptTokenCount: 100,
        candidatesTokenCount: 20,
        cachedContentTokenCount: 60,
        thoughtsTokenCount: 30,
        toolUsePromptTokenCount: 5,
      }),
    ).toEqual({ inputTokens: 105, outputTokens: 50, cachedInputTokens: 60, estimated: false });
  });

  it("reads a thought signature back out of a tool call id", () => {
    expect(parseToolCallId("call_x_0__thought__abc")).toEqual({
      base: "call_x_0",
      thoughtSignature: "abc",
    });
    expect(parseToolCallId("call_x_1")).toEqual({ base: "call_x_1", thoughtSignature: null });
  });
});
