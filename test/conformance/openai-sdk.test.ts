/**
 * The official `openai` SDK, unchanged, against Switchyard's /v1/chat/completions: create and
 * stream, with a tool round trip, for every target (the same targets as the other clients).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceGateway, startConformanceGateway } from "./conformance-gateway.ts";
import { TARGETS, WEATHER_ANSWER } from "./targets.ts";

let conformance: ConformanceGateway;
let client: OpenAI;

beforeAll(async () => {
  conformance = await startConformanceGateway();
  client = new OpenAI({
    baseURL: `${conformance.origin}/v1`,
    apiKey: conformance.secret,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await conformance?.close();
});

const weatherTool: OpenAI.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe.each(TARGETS)("openai SDK → $name", (target) => {
  it("chat.completions.create answers with text and usage", async () => {
    const expected = target.prepare(conformance, "hello openai", false);
    const completion = await client.chat.completions.create({
      model: target.model,
      messages: [{ role: "user", content: "hello openai" }],
      tools: [weatherTool],
    });
    expect(completion.choices[0]?.message.content).toBe(expected);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("streams with include_usage", async () => {
    const expected = target.prepare(conformance, "stream openai", true);
    const stream = await client.chat.completions.create({
      model: target.model,
      messages: [{ role: "user", content: "stream openai" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let totalTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      totalTokens = chunk.usage?.total_tokens ?? totalTokens;
    }
    expect(text).toBe(expected);
    expect(totalTokens).toBeGreaterThan(0);
  });

  const roundTrip = target.prepareToolRoundTrip;
  it.runIf(roundTrip)("completes a tool round trip, streamed and not", async () => {
    for (const stream of [false, true]) {
      roundTrip?.(conformance, stream);
      const ask = (messages: OpenAI.ChatCompletionMessageParam[]) => {
        const request = { model: target.model, messages, tools: [weatherTool] };
        return stream
          ? client.chat.completions.stream(request).finalChatCompletion()
          : client.chat.completions.create(request);
      };
      const question: OpenAI.ChatCompletionMessageParam = {
        role: "user",
        content: "Weather in Paris?",
      };
      const first = await ask([question]);
      const call = first.choices[0]?.message.tool_calls?.[0];
      expect(first.choices[0]?.finish_reason).toBe("tool_calls");
      expect(call).toMatchObject({
        id: "call_weather",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      });
      const second = await ask([
        question,
        {
          role: "assistant",
          content: null,
          tool_calls: first.choices[0]?.message.tool_calls ?? [],
        },
        { role: "tool", tool_call_id: "call_weather", content: "18°C" },
      ]);
      expect(second.choices[0]?.message.content).toBe(WEATHER_ANSWER);
      expect(target.toolResultSent?.(conformance)).toEqual({
        ref: target.toolRef,
        content: "18°C",
      });
    }
  });
});

describe("openai SDK: parameters the gateway does not model", () => {
  it("passes n and unknown fields through to an OpenAI-compatible upstream", async () => {
    conformance.upstream.script({ kind: "complete" });
    await client.chat.completions.create({
      model: "upstream/gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
      n: 2,
      // A field newer than the gateway's schema, as a client on a newer SDK would send it.
      ...({ prediction_mode: "fast", top_k: 20 } as Record<string, unknown>),
    });
    expect(conformance.upstream.requests.at(-1)?.body).toMatchObject({
      n: 2,
      prediction_mode: "fast",
      top_k: 20,
    });
  });

  it("answers n choices from mock/echo", async () => {
    const completion = await client.chat.completions.create({
      model: "mock/echo",
      messages: [{ role: "user", content: "twice" }],
      n: 2,
    });
    expect(completion.choices.map((choice) => choice.message.content)).toEqual([
      "Echo: twice",
      "Echo: twice",
    ]);
  });

  it("refuses n outside 1..128 with a 400 naming the parameter", async () => {
    const failure = await client.chat.completions
      .create({ model: "mock/echo", messages: [{ role: "user", content: "x" }], n: 0 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n");
  });
});
