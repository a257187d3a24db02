/**
 * JSON mode and JSON schemas on an Anthropic deployment, through the gateway, from clients that
 * only know OpenAI's `response_format`: the `openai` SDK (create, stream, and its `parse` helper)
 * and the AI SDK's generateObject / streamObject over @ai-sdk/openai's chat model. The fake
 * Anthropic answers with the forced tool's call, as the real API does.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, streamObject } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ConformanceGateway, startConformanceGateway } from "./conformance-gateway.ts";

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

const MODEL = "claude/claude-sonnet-4-20250514";
const CITY = { city: "Paris", population: 2102650 };
const CITY_SCHEMA = {
  type: "object",
  properties: { city: { type: "string" }, population: { type: "integer" } },
  required: ["city", "population"],
  additionalProperties: false,
};

function scriptCall(name: string, stream: boolean, input: Record<string, unknown> = CITY) {
  conformance.anthropic.script({
    kind: stream ? "stream" : "complete",
    deltas: [],
    toolUses: [{ id: "toolu_json", name, input }],
  });
}

/** What the gateway sent Anthropic for the last call. */
function lastUpstreamBody(): Record<string, unknown> {
  return conformance.anthropic.requests.at(-1)?.body as Record<string, unknown>;
}

describe("the openai SDK with response_format → an Anthropic deployment", () => {
  it("json_schema: the content is the JSON, finish_reason stop", async () => {
    scriptCall("city_info", false);
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Tell me about Paris" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "city_info", schema: CITY_SCHEMA, strict: true },
      },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual(CITY);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(lastUpstreamBody()).toMatchObject({
      tools: [{ name: "city_info", input_schema: CITY_SCHEMA }],
      tool_choice: { type: "tool", name: "city_info" },
    });
  });

  it("json_object, streamed: the JSON arrives as content deltas", async () => {
    scriptCall("json_output", true);
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Paris as JSON" }],
      response_format: { type: "json_object" },
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(JSON.parse(content)).toEqual(CITY);
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 5 });
  });

  it("the SDK's parse helper reads the structured answer", async () => {
    scriptCall("city_info", false);
    const parsed = await client.chat.completions.parse({
      model: MODEL,
      messages: [{ role: "user", content: "Paris" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "city_info", schema: CITY_SCHEMA, strict: true },
      },
    });
    expect(parsed.choices[0]?.message.parsed).toEqual(CITY);
  });
});

describe("the AI SDK's generateObject → an Anthropic deployment", () => {
  const model = () =>
    createOpenAI({ baseURL: `${conformance.origin}/v1`, apiKey: conformance.secret }).chat(MODEL);
  const schema = z.object({ city: z.string(), population: z.number().int() });

  it("generateObject answers the typed object", async () => {
    // @ai-sdk/openai names the format "response" when the call names none.
    scriptCall("response", false);
    const result = await generateObject({ model: model(), schema, prompt: "Paris" });
    expect(result.object).toEqual(CITY);
    expect(result.finishReason).toBe("stop");
    expect(result.usage.inputTokens).toBe(14);
  });

  it("streamObject streams it", async () => {
    scriptCall("response", true);
    const result = streamObject({ model: model(), schema, prompt: "Paris" });
    const partials: unknown[] = [];
    for await (const partial of result.partialObjectStream) partials.push(partial);
    expect(await result.object).toEqual(CITY);
    expect(partials.length).toBeGreaterThan(0);
  });
});
