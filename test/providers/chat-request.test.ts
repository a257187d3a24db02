import { describe, expect, it } from "vitest";
import { parseChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";

const user = [{ role: "user", content: "hi" }];

function problemOf(body: unknown) {
  const result = parseChatCompletionRequest(body);
  if (result.ok) throw new Error("expected the body to be refused");
  return result.problem;
}

describe("parsing a chat completion request", () => {
  it("accepts every message role, tool messages and image parts", () => {
    const result = parseChatCompletionRequest({
      model: "gpt-4o",
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "system", content: [{ type: "text", text: "You are helpful." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            {
              type: "image_url",
              image_url: { url: "data:image/png;base64,iVBORw0K", detail: "low" },
            },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "look", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "a cat" },
      ],
      tools: [{ type: "function", function: { name: "look", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "look" } },
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: {}, strict: true },
      },
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(result.ok).toBe(true);
  });

  it("keeps fields it does not know so they reach the upstream", () => {
    const result = parseChatCompletionRequest({ model: "x", messages: user, prediction: { a: 1 } });
    expect(result.ok && result.value.prediction).toEqual({ a: 1 });
  });

  it("accepts null for optional parameters, as OpenAI does", () => {
    const result = parseChatCompletionRequest({
      model: "x",
      messages: user,
      temperature: null,
      tools: null,
    });
    expect(result.ok).toBe(true);
  });

  it("names a missing model", () => {
    expect(problemOf({ messages: user })).toEqual({
      param: "model",
      message: "Missing required parameter: 'model'.",
    });
  });

  it("refuses an empty messages array", () => {
    expect(problemOf({ model: "x", messages: [] })).toEqual({
      param: "messages",
      message:
        "Invalid 'messages': expected an array with minimum length 1, but got an empty array instead.",
    });
  });

  it("lists the supported roles when a role is unknown", () => {
    expect(problemOf({ model: "x", messages: [{ role: "bot", content: "hi" }] })).toEqual({
      param: "messages[0].role",
      message:
        "Invalid value for 'messages[0].role': 'bot'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.",
    });
  });

  it("says which message content has the wrong type", () => {
    expect(problemOf({ model: "x", messages: [{ role: "user", content: 5 }] })).toEqual({
      param: "messages[0].content",
      message:
        "Invalid type for 'messages[0].content': expected one of a string or an array, but got the integer 5 instead.",
    });
  });

  it("points into a content part that lacks its image url", () => {
    const body = {
      model: "x",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }],
    };
    expect(problemOf(body).param).toBe("messages[0].content[0].image_url.url");
  });

  it("names an unknown content part type", () => {
    const body = { model: "x", messages: [{ role: "user", content: [{ type: "video" }] }] };
    expect(problemOf(body).message).toBe(
      "Invalid value for 'messages[0].content[0].type': 'video'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'.",
    );
  });

  it("requires tool_call_id on tool messages", () => {
    expect(problemOf({ model: "x", messages: [{ role: "tool", content: "42" }] }).param).toBe(
      "messages[0].tool_call_id",
    );
  });

  it("gives the allowed range of temperature", () => {
    expect(problemOf({ model: "x", messages: user, temperature: 3 })).toEqual({
      param: "temperature",
      message: "Invalid 'temperature': expected a value <= 2, but got the integer 3 instead.",
    });
  });

  it("refuses more than four stop sequences", () => {
    const body = { model: "x", messages: user, stop: ["a", "b", "c", "d", "e"] };
    expect(problemOf(body).param).toBe("stop");
  });

  it("lists the tool_choice strings when an unknown one is sent", () => {
    expect(problemOf({ model: "x", messages: user, tool_choice: "sometimes" }).message).toBe(
      "Invalid value for 'tool_choice': 'sometimes'. Supported values are: 'none', 'auto', and 'required'.",
    );
  });

  it("requires json_schema when response_format asks for one", () => {
    const body = { model: "x", messages: user, response_format: { type: "json_schema" } };
    expect(problemOf(body).param).toBe("response_format.json_schema");
  });

  it("refuses a body that is not an object", () => {
    expect(problemOf([1, 2])).toEqual({
      param: null,
      message: "The request body must be a JSON object.",
    });
  });

  it("does not echo a huge value back in the message", () => {
    const problem = problemOf({
      model: "x",
      messages: [{ role: "x".repeat(10_000), content: "" }],
    });
    expect(problem.message.length).toBeLessThan(300);
  });
});
