/**
 * `response_format` on an Anthropic deployment: the forced JSON tool in the request (table), and
 * its call turned back into the assistant's content, answered whole and streamed, against the
 * fake Messages API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";
import { buildMessagesRequest } from "../../functions/providers/anthropic/request.ts";
import { adapterFor } from "../../functions/providers/index.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-server.ts";
import { callOptions, chatRequest, collect, target } from "./helpers.ts";

const claude = (baseUrl = "https://api.anthropic.test") =>
  target({
    kind: "anthropic",
    name: "claude",
    baseUrl,
    apiKey: "sk-ant-secret-123456",
    model: "claude-sonnet-4-20250514",
  });

function bodyOf(overrides: Partial<ChatCompletionRequest>): Record<string, unknown> {
  const built = buildMessagesRequest(chatRequest(overrides), claude());
  return JSON.parse(String(built.body)) as Record<string, unknown>;
}

const CITY_SCHEMA = {
  type: "object",
  properties: { city: { type: "string" }, population: { type: "integer" } },
  required: ["city"],
};
const CITY_FORMAT = {
  type: "json_schema" as const,
  json_schema: { name: "city_info", schema: CITY_SCHEMA, strict: true },
};
const WEATHER = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: {} } },
};

describe("response_format as a forced Anthropic tool", () => {
  it.each([
    {
      name: "json_object: a permissive object tool named json_output, forced",
      request: { response_format: { type: "json_object" as const } },
      tools: [
        {
          name: "json_output",
          description: "Answer with a JSON object.",
          input_schema: { type: "object", additionalProperties: true },
        },
      ],
      toolChoice: { type: "tool", name: "json_output" },
    },
    {
      name: "json_schema: a tool named after the schema, its schema as input_schema, forced",
      request: { response_format: CITY_FORMAT },
      tools: [
        {
          name: "city_info",
          description: "Answer with JSON that matches the city_info schema.",
          input_schema: CITY_SCHEMA,
        },
      ],
      toolChoice: { type: "tool", name: "city_info" },
    },
    {
      name: "json_schema with client tools: both offered, any tool must be called",
      request: { response_format: CITY_FORMAT, tools: [WEATHER] },
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: {} } }, {}],
      toolChoice: { type: "any" },
    },
    {
      name: "client tools with tool_choice none: the JSON tool forced",
      request: { response_format: CITY_FORMAT, tools: [WEATHER], tool_choice: "none" as const },
      tools: [{ name: "get_weather" }, { name: "city_info" }],
      toolChoice: { type: "tool", name: "city_info" },
    },
    {
      name: "a client-forced function stays forced",
      request: {
        response_format: CITY_FORMAT,
        tools: [WEATHER],
        tool_choice: { type: "function" as const, function: { name: "get_weather" } },
        parallel_tool_calls: false,
      },
      tools: [{ name: "get_weather" }, { name: "city_info" }],
      toolChoice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    },
    {
      name: "response_format text: no tool at all",
      request: { response_format: { type: "text" as const } },
      tools: undefined,
      toolChoice: undefined,
    },
  ])("$name", ({ request, tools, toolChoice }) => {
    const body = bodyOf(request);
    if (tools === undefined) expect(body).not.toHaveProperty("tools");
    else expect(body.tools).toMatchObject(tools);
    expect(body.tool_choice).toEqual(toolChoice);
    expect(body).not.toHaveProperty("response_format");
  });

  it.each([
    {
      what: "a schema whose root is an array",
      format: { ...CITY_FORMAT, json_schema: { name: "list", schema: { type: "array" } } },
      param: "response_format.json_schema.schema",
    },
    {
      what: "a schema name Anthropic refuses as a tool name",
      format: { ...CITY_FORMAT, json_schema: { name: "city info!", schema: CITY_SCHEMA } },
      param: "response_format.json_schema.name",
    },
    {
      what: "a schema named like a client tool",
      format: { ...CITY_FORMAT, json_schema: { name: "get_weather", schema: CITY_SCHEMA } },
      param: "response_format",
    },
  ])("refuses $what with a 400 naming $param", ({ format, param }) => {
    expect(() => bodyOf({ response_format: format, tools: [WEATHER] })).toThrow(
      expect.objectContaining({ status: 400, param }),
    );
  });
});

describe("the answer to a JSON request", () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.close();
  });
  const adapter = adapterFor("anthropic");
  const call = (overrides: Partial<ChatCompletionRequest>) => {
    if (!adapter) throw new Error("no anthropic adapter");
    return adapter.chatCompletion(chatRequest(overrides), claude(fake.baseUrl), callOptions());
  };
  const city = { city: "Paris", population: 2102650 };

  it("is the tool input as content, finish_reason stop, no tool_calls", async () => {
    fake.script({
      kind: "complete",
      deltas: [],
      toolUses: [{ id: "toolu_1", name: "city_info", input: city }],
    });
    const outcome = await call({ response_format: CITY_FORMAT });
    if (outcome.kind !== "complete") throw new Error("expected a completion");
    const choice = outcome.response.choices[0];
    expect(JSON.parse(choice?.message.content ?? "")).toEqual(city);
    expect(choice?.finish_reason).toBe("stop");
    expect(choice?.message.tool_calls).toBeUndefined();
  });

  it("streams the input_json_delta pieces as content deltas", async () => {
    fake.script({
      kind: "stream",
      deltas: [],
      toolUses: [{ id: "toolu_1", name: "json_output", input: city }],
    });
    const outcome = await call({ response_format: { type: "json_object" }, stream: true });
    if (outcome.kind !== "stream") throw new Error("expected a stream");
    const chunks = await collect(outcome.chunks);
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(JSON.parse(content)).toEqual(city);
    // The fake splits the input in two pieces: both arrive as separate deltas.
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBe(2);
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("keeps a client tool call as tool_calls next to the JSON tool", async () => {
    fake.script({
      kind: "stream",
      deltas: [],
      toolUses: [{ id: "toolu_w", name: "get_weather", input: { city: "Paris" } }],
    });
    const outcome = await call({ response_format: CITY_FORMAT, tools: [WEATHER], stream: true });
    if (outcome.kind !== "stream") throw new Error("expected a stream");
    const chunks = await collect(outcome.chunks);
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ id: "toolu_w", function: { name: "get_weather" } });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });
});
