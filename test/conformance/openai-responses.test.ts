/**
 * The official `openai` SDK's Responses API (`client.responses.create` and `.stream`), unchanged,
 * against Switchyard's POST /v1/responses, for every target: text, function calls and a
 * function_call_output round trip, usage, the streaming helper's final response, and refusals.
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

const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather in a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};

/** The text of a response's message items, as the SDK's own `output_text` joins it. */
function textOf(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === "message" ? item.content : []))
    .map((part) => (part.type === "output_text" ? part.text : ""))
    .join("");
}

describe.each(TARGETS)("openai SDK responses → $name", (target) => {
  it("responses.create answers a response with output_text and usage", async () => {
    const expected = target.prepare(conformance, "hello responses", false);
    const response = await client.responses.create({
      model: target.model,
      instructions: "Be brief.",
      input: "hello responses",
      max_output_tokens: 200,
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe(expected);
    expect(response.output[0]).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: expected }],
    });
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
  });

  it("responses.stream yields the event sequence and a final response", async () => {
    const expected = target.prepare(conformance, "stream responses", true);
    const stream = client.responses.stream({
      model: target.model,
      input: [{ role: "user", content: [{ type: "input_text", text: "stream responses" }] }],
    });
    const types: string[] = [];
    const sequence: number[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    const final = await stream.finalResponse();
    expect(text).toBe(expected);
    // The helper's final response has no output_text convenience (not against OpenAI either).
    expect(textOf(final)).toBe(expected);
    expect(final.status).toBe("completed");
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(sequence).toEqual(sequence.map((_, index) => index));
  });

  const roundTrip = target.prepareToolRoundTrip;
  it.runIf(roundTrip)("calls a function and takes its output back", async () => {
    for (const stream of [false, true]) {
      roundTrip?.(conformance, stream);
      const question = { role: "user" as const, content: "Weather in Paris?" };
      const request = { model: target.model, tools: [weatherTool] };
      const first = stream
        ? await client.responses.stream({ ...request, input: [question] }).finalResponse()
        : await client.responses.create({ ...request, input: [question] });
      const call = first.output.find((item) => item.type === "function_call");
      expect(call).toMatchObject({
        type: "function_call",
        call_id: "call_weather",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      });
      if (call?.type !== "function_call") throw new Error("expected a function call");
      const second = stream
        ? await client.responses
            .stream({
              ...request,
              input: [
                question,
                call,
                { type: "function_call_output", call_id: call.call_id, output: "18°C" },
              ],
            })
            .finalResponse()
        : await client.responses.create({
            ...request,
            input: [
              question,
              call,
              { type: "function_call_output", call_id: call.call_id, output: "18°C" },
            ],
          });
      expect(textOf(second)).toBe(WEATHER_ANSWER);
      expect(target.toolResultSent?.(conformance)).toEqual({
        ref: target.toolRef,
        content: "18°C",
      });
    }
  });

  it.each([
    ["tools[0]", { tools: [{ type: "web_search" as const }] }],
    ["previous_response_id", { previous_response_id: "resp_earlier" }],
    ["store", { store: true }],
  ])("refuses %s with a 400 naming it", async (param, extra) => {
    const failure = await client.responses
      .create({
        model: target.model,
        input: "x",
        ...extra,
      } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
  });
});

describe("openai SDK responses → the OpenAI-compatible upstream", () => {
  it("sends the translated chat request", async () => {
    conformance.upstream.script({ kind: "complete", deltas: ["{}"] });
    await client.responses.create({
      model: "upstream/gpt-4o-mini",
      instructions: "Be brief.",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Describe" },
            { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
          ],
        },
      ],
      max_output_tokens: 50,
      temperature: 0.3,
      text: {
        format: { type: "json_schema", name: "desc", schema: { type: "object" }, strict: true },
      },
    });
    expect(conformance.upstream.requests.at(-1)?.body).toMatchObject({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "Describe" },
            { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
          ],
        },
      ],
      temperature: 0.3,
      response_format: {
        type: "json_schema",
        json_schema: { name: "desc", schema: { type: "object" }, strict: true },
      },
    });
  });
});
