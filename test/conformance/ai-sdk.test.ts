/**
 * The Vercel AI SDK, unchanged, against Switchyard: `@ai-sdk/anthropic` pointed at /v1 (Messages)
 * and `@ai-sdk/openai` pointed at /v1 (Chat Completions), generateText and streamText, with a
 * tool the SDK runs itself between two model calls, for every target.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, type LanguageModel, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ConformanceGateway, startConformanceGateway } from "./conformance-gateway.ts";
import { TARGETS, WEATHER_ANSWER } from "./targets.ts";

let conformance: ConformanceGateway;

beforeAll(async () => {
  conformance = await startConformanceGateway();
});
afterAll(async () => {
  await conformance?.close();
});

interface Client {
  name: string;
  model(id: string): LanguageModel;
}

const CLIENTS: Client[] = [
  {
    name: "@ai-sdk/anthropic (/v1/messages)",
    model: (id) =>
      createAnthropic({ baseURL: `${conformance.origin}/v1`, apiKey: conformance.secret })(id),
  },
  {
    name: "@ai-sdk/openai (/v1/chat/completions)",
    // .chat(): the provider's default model speaks the Responses API, not served yet.
    model: (id) =>
      createOpenAI({ baseURL: `${conformance.origin}/v1`, apiKey: conformance.secret }).chat(id),
  },
];

const weather = tool({
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `18°C in ${city}`,
});

const MATRIX = CLIENTS.flatMap((client) => TARGETS.map((target) => ({ client, target })));

describe.each(MATRIX)("AI SDK $client.name → $target.name", ({ client, target }) => {
  it("generateText answers with text and usage", async () => {
    const expected = target.prepare(conformance, "hello ai sdk", false);
    const result = await generateText({
      model: client.model(target.model),
      system: "Be brief.",
      prompt: "hello ai sdk",
      maxOutputTokens: 100,
      maxRetries: 0,
    });
    expect(result.text).toBe(expected);
    expect(result.finishReason).toBe("stop");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it("streamText streams the text and ends with usage", async () => {
    const expected = target.prepare(conformance, "stream ai sdk", true);
    const result = streamText({
      model: client.model(target.model),
      prompt: "stream ai sdk",
      maxOutputTokens: 100,
      maxRetries: 0,
    });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe(expected);
    expect(await result.finishReason).toBe("stop");
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
  });

  it("offers a tool the model may leave unused", async () => {
    const expected = target.prepare(conformance, "no tool needed", false);
    const result = await generateText({
      model: client.model(target.model),
      prompt: "no tool needed",
      tools: { get_weather: weather },
      maxOutputTokens: 100,
      maxRetries: 0,
    });
    expect(result.text).toBe(expected);
  });

  const roundTrip = target.prepareToolRoundTrip;
  it.runIf(roundTrip)("generateText and streamText run a tool between two calls", async () => {
    roundTrip?.(conformance, false);
    const generated = await generateText({
      model: client.model(target.model),
      prompt: "Weather in Paris?",
      tools: { get_weather: weather },
      stopWhen: stepCountIs(2),
      maxOutputTokens: 100,
      maxRetries: 0,
    });
    expect(generated.steps[0]?.toolCalls).toMatchObject([
      { toolName: "get_weather", input: { city: "Paris" } },
    ]);
    expect(generated.text).toBe(WEATHER_ANSWER);
    expect(target.toolResultSent?.(conformance)).toEqual({
      ref: target.toolRef,
      content: expect.stringContaining("18°C in Paris"),
    });

    roundTrip?.(conformance, true);
    const streamed = streamText({
      model: client.model(target.model),
      prompt: "Weather in Paris?",
      tools: { get_weather: weather },
      stopWhen: stepCountIs(2),
      maxOutputTokens: 100,
      maxRetries: 0,
    });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(WEATHER_ANSWER);
    const steps = await streamed.steps;
    expect(steps[0]?.toolCalls).toMatchObject([
      { toolName: "get_weather", input: { city: "Paris" } },
    ]);
    expect(target.toolResultSent?.(conformance)).toEqual({
      ref: target.toolRef,
      content: expect.stringContaining("18°C in Paris"),
    });
  });
});
