/**
 * The official `@anthropic-ai/sdk`, unchanged, against Switchyard's /v1/messages (it sends
 * x-api-key and anthropic-version): create and stream, with tools, for every target.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceGateway, startConformanceGateway } from "./conformance-gateway.ts";
import { TARGETS, WEATHER_ANSWER } from "./targets.ts";

let conformance: ConformanceGateway;
let client: Anthropic;

beforeAll(async () => {
  conformance = await startConformanceGateway();
  client = new Anthropic({
    baseURL: conformance.origin,
    apiKey: conformance.secret,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await conformance?.close();
});

const weatherTool = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: {
    type: "object" as const,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

describe.each(TARGETS)("@anthropic-ai/sdk → $name", (target) => {
  it("messages.create answers a Message", async () => {
    const expected = target.prepare(conformance, "hello sdk", false);
    const message = await client.messages.create({
      model: target.model,
      max_tokens: 100,
      system: "You are terse.",
      messages: [{ role: "user", content: "hello sdk" }],
    });
    expect(message.type).toBe("message");
    expect(message.content).toEqual([{ type: "text", text: expected }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message._request_id).toBeTruthy();
  });

  it("messages.stream yields every event and a finalMessage with usage", async () => {
    const expected = target.prepare(conformance, "stream sdk", true);
    const stream = client.messages.stream({
      model: target.model,
      max_tokens: 100,
      messages: [{ role: "user", content: "stream sdk" }],
    });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
        text += event.delta.text;
      }
    }
    const final = await stream.finalMessage();
    expect(text).toBe(expected);
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(types).toContain("message_delta");
    expect(final.content).toEqual([{ type: "text", text: expected }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it("accepts tool definitions", async () => {
    const expected = target.prepare(conformance, "tools offered", false);
    const message = await client.messages.create({
      model: target.model,
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: "auto" },
      messages: [{ role: "user", content: "tools offered" }],
    });
    expect(message.content).toEqual([{ type: "text", text: expected }]);
  });

  const roundTrip = target.prepareToolRoundTrip;
  it.runIf(roundTrip)("completes a tool round trip: tool_use, then tool_result", async () => {
    for (const stream of [false, true]) {
      roundTrip?.(conformance, stream);
      const question = { role: "user" as const, content: "Weather in Paris?" };
      const request = { model: target.model, max_tokens: 200, tools: [weatherTool] };
      const first = stream
        ? await client.messages.stream({ ...request, messages: [question] }).finalMessage()
        : await client.messages.create({ ...request, messages: [question] });
      expect(first.stop_reason).toBe("tool_use");
      const call = first.content.find((block) => block.type === "tool_use");
      expect(call).toMatchObject({
        id: "call_weather",
        name: "get_weather",
        input: { city: "Paris" },
      });
      const messages: Anthropic.MessageParam[] = [
        question,
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "call_weather", content: "18°C" }],
        },
      ];
      const second = stream
        ? await client.messages.stream({ ...request, messages }).finalMessage()
        : await client.messages.create({ ...request, messages });
      expect(second.content).toEqual([{ type: "text", text: WEATHER_ANSWER }]);
      expect(target.toolResultSent?.(conformance)).toEqual({
        ref: target.toolRef,
        content: "18°C",
      });
    }
  });

  it("raises the SDK's typed errors", async () => {
    const failure = await client.messages
      .create({
        model: "nowhere/model",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.NotFoundError);
    expect((failure as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: "error",
      error: { type: "not_found_error" },
    });
  });
});
