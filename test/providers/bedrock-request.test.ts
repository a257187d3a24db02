/**
 * OpenAI chat requests → Converse bodies (pure), and the signature on the request: checked
 * against the AWS SDK's own signer (@smithy/signature-v4) at a fixed time.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";
import { buildConverseRequest, toConverseBody } from "../../functions/providers/bedrock/request.ts";
import type { UnsupportedFeature } from "../../functions/providers/capabilities.ts";
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
  toConverseBody(chatRequest(overrides), refuse);

function refusal(overrides: Partial<ChatCompletionRequest>): UnsupportedFeature | null {
  try {
    body(overrides);
    return null;
  } catch (error) {
    if (error instanceof Refused) return error.feature;
    throw error;
  }
}

const WEATHER = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe("OpenAI chat requests as Converse bodies", () => {
  it("puts system and developer messages in system blocks and merges same-role turns", () => {
    expect(
      body({
        messages: [
          { role: "system", content: "Be terse." },
          { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
          { role: "user", content: "Hi" },
          { role: "user", content: "Capital of France?" },
        ],
      }),
    ).toEqual({
      system: [{ text: "Be terse." }, { text: "Answer in French." }],
      messages: [{ role: "user", content: [{ text: "Hi" }, { text: "Capital of France?" }] }],
    });
  });

  it("sends images from data URLs as bytes with their format", () => {
    const result = body({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: "image_url", image_url: { url: `data:image/jpeg;base64,${PNG}` } },
          ],
        },
      ],
    });
    expect(result.messages).toEqual([
      {
        role: "user",
        content: [
          { text: "What is this?" },
          { image: { format: "png", source: { bytes: PNG } } },
          { image: { format: "jpeg", source: { bytes: PNG } } },
        ],
      },
    ]);
  });

  it.each([
    ["an http URL", "https://example.com/cat.png", /by URL/],
    ["an unsupported type", `data:image/bmp;base64,${PNG}`, /image\/bmp/],
  ])("refuses an image given as %s, naming the parameter", (_, url, what) => {
    const feature = refusal({
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
    });
    expect(feature?.param).toBe("messages[0].content[0].image_url.url");
    expect(feature?.what).toMatch(what);
  });

  it("declares tools as toolSpecs with JSON input schemas", () => {
    expect(body({ tools: [WEATHER] }).toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: "get_weather",
            description: "Current weather in a city",
            inputSchema: { json: WEATHER.function.parameters },
          },
        },
      ],
    });
  });

  it.each([
    ["auto", { auto: {} }],
    ["required", { any: {} }],
    [{ type: "function", function: { name: "get_weather" } }, { tool: { name: "get_weather" } }],
  ] as const)("maps tool_choice %j to %j", (choice, expected) => {
    const result = body({ tools: [WEATHER], tool_choice: choice });
    expect((result.toolConfig as { toolChoice: unknown }).toolChoice).toEqual(expected);
  });

  it('leaves the tools out for tool_choice "none"', () => {
    expect(body({ tools: [WEATHER], tool_choice: "none" }).toolConfig).toBeUndefined();
  });

  it('refuses tool_choice "none" in a conversation that already holds tool calls', () => {
    const feature = refusal({
      tools: [WEATHER],
      tool_choice: "none",
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "t1", type: "function", function: { name: "get_weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "t1", content: "sunny" },
      ],
    });
    expect(feature?.param).toBe("tool_choice");
  });

  it("carries tool calls as toolUse and tool results as toolResult, ids kept, in alternating turns", () => {
    const result = body({
      tools: [WEATHER],
      messages: [
        { role: "user", content: "Weather in Paris and Berlin?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "tooluse_p",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            {
              id: "tooluse_b",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Berlin"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "tooluse_p", content: "18°C" },
        { role: "tool", tool_call_id: "tooluse_b", content: [{ type: "text", text: "12°C" }] },
      ],
    });
    expect(result.messages).toEqual([
      { role: "user", content: [{ text: "Weather in Paris and Berlin?" }] },
      {
        role: "assistant",
        content: [
          { text: "Checking." },
          { toolUse: { toolUseId: "tooluse_p", name: "get_weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "tooluse_b", name: "get_weather", input: { city: "Berlin" } } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "tooluse_p", content: [{ text: "18°C" }] } },
          { toolResult: { toolUseId: "tooluse_b", content: [{ text: "12°C" }] } },
        ],
      },
    ]);
  });

  it("maps the sampling parameters to inferenceConfig", () => {
    expect(
      body({
        max_completion_tokens: 256,
        max_tokens: 10,
        temperature: 0.5,
        top_p: 0.9,
        stop: "END",
      }).inferenceConfig,
    ).toEqual({ maxTokens: 256, temperature: 0.5, topP: 0.9, stopSequences: ["END"] });
    expect(body().inferenceConfig).toBeUndefined();
  });

  it("passes fields OpenAI does not know as additionalModelRequestFields, Converse's own at the top", () => {
    const request = {
      ...chatRequest(),
      top_k: 40,
      guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" },
    } as ChatCompletionRequest;
    const result = toConverseBody(request, refuse);
    expect(result.additionalModelRequestFields).toEqual({ top_k: 40 });
    expect(result.guardrailConfig).toEqual({ guardrailIdentifier: "gr-1", guardrailVersion: "1" });
  });

  it.each([
    [{ n: 2 }, "n"],
    [{ logprobs: true }, "logprobs"],
    [{ response_format: { type: "json_object" as const } }, "response_format"],
    [
      {
        messages: [
          {
            role: "user" as const,
            content: [{ type: "input_audio" as const, input_audio: { data: "x", format: "wav" } }],
          },
        ],
      },
      "messages[0].content[0]",
    ],
  ])("refuses %j with a 400 naming %s", (overrides, param) => {
    expect(refusal(overrides)?.param).toBe(param);
  });
});

describe("the signed request", () => {
  const at = new Date("2026-06-20T12:34:56Z");
  const aws = target({
    kind: "bedrock",
    name: "aws",
    baseUrl: null,
    apiKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    config: { accessKeyId: "AKIDEXAMPLE", region: "us-west-2" },
    model: "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
  });

  it("goes to the region's Bedrock Runtime endpoint with the model id encoded in the path", async () => {
    const request = await buildConverseRequest(chatRequest({ stream: true }), aws, at);
    expect(request.baseUrl).toBe("https://bedrock-runtime.us-west-2.amazonaws.com");
    expect(request.path).toBe(
      "/model/us.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream",
    );
    expect(request.headers["x-amz-date"]).toBe("20260620T123456Z");
    expect(request.body).toBeInstanceOf(Uint8Array);
  });

  it("carries the signature the AWS SDK's signer computes for the same request", async () => {
    const request = await buildConverseRequest(chatRequest(), aws, at);
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      },
      region: "us-west-2",
      service: "bedrock",
      sha256: Hash.bind(null, "sha256"),
      applyChecksum: false,
    });
    const { authorization: _, ...headers } = request.headers;
    const expected = await signer.sign(
      {
        method: "POST",
        protocol: "https:",
        hostname: "bedrock-runtime.us-west-2.amazonaws.com",
        path: request.path,
        query: {},
        headers: { ...headers, host: "bedrock-runtime.us-west-2.amazonaws.com" },
        body: request.body,
      },
      { signingDate: at, unsignableHeaders: new Set(["content-type"]) },
    );
    expect(request.headers.authorization).toBe(expected.headers.authorization);
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260620\/us-west-2\/bedrock\/aws4_request, SignedHeaders=accept;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });
});
