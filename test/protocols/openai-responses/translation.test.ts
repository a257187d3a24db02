/**
 * The Responses API ↔ the canonical chat request and answer: request translation and refusals
 * (table), the response object, and the event sequence of a stream, a failed one included.
 */
import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../../functions/protocols/openai/chat.ts";
import { parseResponsesRequest } from "../../../functions/protocols/openai-responses/request.ts";
import { toResponse } from "../../../functions/protocols/openai-responses/response.ts";
import {
  failedEvent,
  newStreamState,
  type ResponseStreamEvent,
  toResponseEvents,
} from "../../../functions/protocols/openai-responses/stream-events.ts";

const parsed = (body: Record<string, unknown>) => parseResponsesRequest({ model: "m", ...body });

function chatOf(body: Record<string, unknown>) {
  const result = parsed(body);
  if (!result.ok) throw new Error(result.problem.message);
  return result.value.chat;
}

describe("a Responses request as a chat request", () => {
  it.each([
    {
      name: "a string input with instructions",
      body: { input: "Hi", instructions: "Be brief." },
      chat: {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
      },
    },
    {
      name: "message items with text and image parts, developer and assistant history",
      body: {
        input: [
          { role: "developer", content: "Rules." },
          {
            type: "message",
            role: "user",
            content: [
              { type: "input_text", text: "What is this?" },
              { type: "input_image", image_url: "data:image/png;base64,AAA", detail: "high" },
            ],
          },
          { role: "assistant", content: [{ type: "output_text", text: "A cat." }] },
        ],
      },
      chat: {
        messages: [
          { role: "developer", content: "Rules." },
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              {
                type: "image_url",
                image_url: { url: "data:image/png;base64,AAA", detail: "high" },
              },
            ],
          },
          { role: "assistant", content: "A cat." },
        ],
      },
    },
    {
      name: "parallel function calls in one assistant turn, then their outputs",
      body: {
        input: [
          { role: "user", content: "Weather?" },
          { type: "function_call", call_id: "c1", name: "w", arguments: '{"city":"A"}' },
          { type: "function_call", call_id: "c2", name: "w", arguments: '{"city":"B"}' },
          { type: "function_call_output", call_id: "c1", output: "1°C" },
          { type: "function_call_output", call_id: "c2", output: "2°C" },
        ],
      },
      chat: {
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "c1", type: "function", function: { name: "w", arguments: '{"city":"A"}' } },
              { id: "c2", type: "function", function: { name: "w", arguments: '{"city":"B"}' } },
            ],
          },
          { role: "tool", tool_call_id: "c1", content: "1°C" },
          { role: "tool", tool_call_id: "c2", content: "2°C" },
        ],
      },
    },
    {
      name: "function tools, a named tool_choice and the sampling knobs",
      body: {
        input: "x",
        tools: [{ type: "function", name: "w", parameters: { type: "object" }, strict: true }],
        tool_choice: { type: "function", name: "w" },
        max_output_tokens: 64,
        temperature: 0.5,
        top_p: 0.9,
        parallel_tool_calls: false,
        user: "u1",
      },
      chat: {
        tools: [
          {
            type: "function",
            function: { name: "w", parameters: { type: "object" }, strict: true },
          },
        ],
        tool_choice: { type: "function", function: { name: "w" } },
        max_completion_tokens: 64,
        temperature: 0.5,
        top_p: 0.9,
        parallel_tool_calls: false,
        user: "u1",
      },
    },
    {
      name: "text.format json_schema and stream (with usage)",
      body: {
        input: "x",
        stream: true,
        text: {
          format: { type: "json_schema", name: "o", schema: { type: "object" }, strict: true },
        },
      },
      chat: {
        stream: true,
        stream_options: { include_usage: true },
        response_format: {
          type: "json_schema",
          json_schema: { name: "o", schema: { type: "object" }, strict: true },
        },
      },
    },
    {
      name: "store: false is the gateway's way anyway",
      body: { input: "x", store: false },
      chat: { messages: [{ role: "user", content: "x" }] },
    },
  ])("$name", ({ body, chat }) => {
    expect(chatOf(body)).toMatchObject({ model: "m", ...chat });
  });

  it.each([
    {
      param: "tools[1]",
      body: { input: "x", tools: [{ type: "function", name: "f" }, { type: "file_search" }] },
      says: "file_search",
    },
    {
      param: "previous_response_id",
      body: { input: "x", previous_response_id: "resp_1" },
      says: "previous_response_id",
    },
    { param: "store", body: { input: "x", store: true }, says: "store" },
    {
      param: "input[0].type",
      body: { input: [{ type: "reasoning", summary: [] }] },
      says: "reasoning",
    },
    {
      param: "input[0].content[0]",
      body: { input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] },
      says: "input_file",
    },
    {
      param: "tool_choice",
      body: { input: "x", tool_choice: { type: "web_search_preview" } },
      says: "web_search_preview",
    },
    { param: "input", body: { input: 3 }, says: "input" },
  ])("refuses $param with a message naming it", ({ param, body, says }) => {
    const result = parsed(body);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.param).toBe(param);
    expect(result.problem.message).toContain(says);
  });
});

const request = { model: "m", input: "x" };
const identity = { id: "resp_abc", createdAt: 1_700_000_000, model: "gpt-test" };
const usage = { inputTokens: 10, outputTokens: 4, cachedInputTokens: 2 };

describe("the answer as a response object", () => {
  it("has a message item, function_call items and usage", () => {
    const response = toResponse(
      {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "gpt-test",
        choices: [
          {
            index: 0,
            finish_reason: "tool_calls",
            message: {
              role: "assistant",
              content: "Checking.",
              tool_calls: [
                { id: "call_1", type: "function", function: { name: "w", arguments: "{}" } },
              ],
            },
          },
        ],
      },
      usage,
      identity,
      request,
    );
    expect(response).toMatchObject({
      id: "resp_abc",
      object: "response",
      status: "completed",
      output: [
        {
          type: "message",
          role: "assistant",
          content: [{ type: "output_text", text: "Checking." }],
        },
        {
          type: "function_call",
          call_id: "call_1",
          name: "w",
          arguments: "{}",
          status: "completed",
        },
      ],
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens: 4,
        total_tokens: 14,
      },
    });
  });

  it("is incomplete when the output was cut at max_output_tokens", () => {
    const response = toResponse(
      {
        id: "c",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [
          { index: 0, finish_reason: "length", message: { role: "assistant", content: "Cut" } },
        ],
      },
      usage,
      identity,
      request,
    );
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
  });
});

function chunk(
  delta: ChatCompletionChunk["choices"][number]["delta"],
  finish: "stop" | "tool_calls" | null = null,
): ChatCompletionChunk {
  return {
    id: "c",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

async function* fromArray<T>(items: T[], failWith?: Error): AsyncGenerator<T> {
  yield* items;
  if (failWith) throw failWith;
}

async function eventsOf(chunks: ChatCompletionChunk[]) {
  const state = newStreamState(identity, request);
  const events: ResponseStreamEvent[] = [];
  for await (const event of toResponseEvents(fromArray(chunks), state, () => usage))
    events.push(event);
  return events;
}

describe("a stream as Responses events", () => {
  it("text then a function call, in order, numbered from 0", async () => {
    const events = await eventsOf([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Let me" }),
      chunk({ content: " check." }),
      chunk({
        tool_calls: [
          { index: 0, id: "call_9", type: "function", function: { name: "w", arguments: "" } },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }),
      chunk({}, "tool_calls"),
    ]);
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events[6]).toMatchObject({ text: "Let me check.", output_index: 0 });
    expect(events[12]).toMatchObject({ arguments: '{"a":1}', output_index: 1, name: "w" });
    const completed = events.at(-1)?.response as {
      output: unknown[];
      usage: unknown;
      status: string;
    };
    expect(completed.status).toBe("completed");
    expect(completed.output).toHaveLength(2);
    expect(completed.usage).toMatchObject({ input_tokens: 10, output_tokens: 4, total_tokens: 14 });
    // The created event is a snapshot: later changes do not reach it.
    expect(events[0]?.response).toMatchObject({ output: [] });
  });

  it("a failure leaves the state for a response.failed that continues the sequence", async () => {
    const state = newStreamState(identity, request);
    const events: ResponseStreamEvent[] = [];
    await expect(async () => {
      const chunks = fromArray([chunk({ content: "Par" })], new Error("upstream gone"));
      for await (const event of toResponseEvents(chunks, state, () => usage)) events.push(event);
    }).rejects.toThrow("upstream gone");
    const failed = failedEvent(state, { code: "upstream_error", message: "gone" });
    expect(failed).toMatchObject({
      type: "response.failed",
      sequence_number: events.length,
      response: { status: "failed", error: { code: "upstream_error", message: "gone" } },
    });
  });
});
