/**
 * The Responses API request (https://platform.openai.com/docs/api-reference/responses/create),
 * validated (zod) and translated into the canonical Chat Completions request, so that every
 * stage and every adapter serves it. Pure.
 *
 * Translated: `input` (a string, or message / function_call / function_call_output items),
 * `instructions` (first system message), function `tools`, `tool_choice`, `max_output_tokens`,
 * `temperature`, `top_p`, `parallel_tool_calls`, `user`, `text.format`, `stream` (always with
 * usage, which `response.completed` carries). Refused with a 400 naming the parameter: built-in
 * tools (web_search, file_search, ...), items other than those, `previous_response_id` and
 * `store: true` (both need responses kept server-side, which the gateway does not do).
 */
import { z } from "zod";
import type { ChatCompletionRequest, ChatMessage, Tool, ToolChoice } from "../openai/chat.ts";
import { modelNameSchema } from "../openai/chat.ts";
import { describeIssue, type RequestProblem } from "../openai/issue-message.ts";
import type { ParseResult } from "../openai/parse-chat-request.ts";

const inputPartSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(["low", "high", "auto"]).nullish(),
  refusal: z.string().nullish(),
});

const inputItemSchema = z.looseObject({
  type: z.string().nullish(),
  role: z.enum(["user", "assistant", "system", "developer"]).nullish(),
  content: z.union([z.string(), z.array(inputPartSchema)]).nullish(),
  call_id: z.string().nullish(),
  name: z.string().nullish(),
  arguments: z.string().nullish(),
  output: z.union([z.string(), z.array(inputPartSchema)]).nullish(),
});

const toolSchema = z.looseObject({
  type: z.string(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

const formatSchema = z.looseObject({
  type: z.enum(["text", "json_object", "json_schema"]),
  name: z.string().nullish(),
  description: z.string().nullish(),
  schema: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

export const responsesRequestSchema = z.looseObject({
  model: modelNameSchema,
  input: z.union([z.string(), z.array(inputItemSchema)]),
  instructions: z.string().nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.looseObject({ type: z.string(), name: z.string().nullish() }),
    ])
    .nullish(),
  max_output_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  user: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  text: z.looseObject({ format: formatSchema.nullish() }).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

export interface ParsedResponsesRequest {
  responses: ResponsesRequest;
  chat: ChatCompletionRequest;
}

export function parseResponsesRequest(body: unknown): ParseResult<ParsedResponsesRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      problem: { message: "The request body must be a JSON object.", param: null },
    };
  }
  const result = responsesRequestSchema.safeParse(body, { reportInput: true });
  if (!result.success) {
    const [first] = result.error.issues;
    if (!first) return { ok: false, problem: { message: "Invalid request body.", param: null } };
    return { ok: false, problem: describeIssue(first) };
  }
  try {
    return { ok: true, value: { responses: result.data, chat: toChatRequest(result.data) } };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, problem: error.problem };
    throw error;
  }
}

class Refusal extends Error {
  constructor(readonly problem: RequestProblem) {
    super(problem.message);
  }
}

function refuse(param: string, message: string): never {
  throw new Refusal({ param, message });
}

export function toChatRequest(request: ResponsesRequest): ChatCompletionRequest {
  if (request.previous_response_id) {
    refuse(
      "previous_response_id",
      "`previous_response_id` is not supported: Switchyard keeps no responses. Send the conversation in `input`.",
    );
  }
  if (request.store === true) {
    refuse(
      "store",
      "`store: true` is not supported: Switchyard keeps no responses. Omit `store` or set it to false.",
    );
  }
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: "system", content: request.instructions });
  if (typeof request.input === "string") messages.push({ role: "user", content: request.input });
  else
    for (const [index, item] of request.input.entries()) addItem(messages, item, `input[${index}]`);
  if (messages.length === 0) refuse("input", "`input` must hold at least one item.");
  const chat: ChatCompletionRequest = { model: request.model, messages };
  const tools = (request.tools ?? []).map(toChatTool);
  if (tools.length > 0) chat.tools = tools;
  if (request.tool_choice) chat.tool_choice = toChatToolChoice(request.tool_choice);
  if (request.max_output_tokens) chat.max_completion_tokens = request.max_output_tokens;
  if (typeof request.temperature === "number") chat.temperature = request.temperature;
  if (typeof request.top_p === "number") chat.top_p = request.top_p;
  if (typeof request.parallel_tool_calls === "boolean") {
    chat.parallel_tool_calls = request.parallel_tool_calls;
  }
  if (request.user) chat.user = request.user;
  const format = request.text?.format;
  if (format?.type === "json_object") chat.response_format = { type: "json_object" };
  if (format?.type === "json_schema") {
    if (!format.name) refuse("text.format.name", "A json_schema format needs a `name`.");
    chat.response_format = {
      type: "json_schema",
      json_schema: {
        name: format.name,
        ...(format.description ? { description: format.description } : {}),
        ...(format.schema ? { schema: format.schema } : {}),
        ...(typeof format.strict === "boolean" ? { strict: format.strict } : {}),
      },
    };
  }
  if (request.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

type InputItem = z.infer<typeof inputItemSchema>;
type InputPart = z.infer<typeof inputPartSchema>;

function addItem(messages: ChatMessage[], item: InputItem, at: string): void {
  const type = item.type ?? "message";
  switch (type) {
    case "message":
      messages.push(messageOf(item, at));
      return;
    case "function_call": {
      if (!item.call_id || !item.name)
        refuse(at, "A function_call item needs `call_id` and `name`.");
      const call = {
        id: item.call_id,
        type: "function" as const,
        function: { name: item.name, arguments: item.arguments ?? "" },
      };
      // Parallel calls of one turn are consecutive items: one assistant message holds them all.
      const last = messages.at(-1);
      if (last?.role === "assistant") last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
      return;
    }
    case "function_call_output": {
      if (!item.call_id) refuse(`${at}.call_id`, "A function_call_output item needs `call_id`.");
      const output = typeof item.output === "string" ? item.output : textOf(item.output ?? [], at);
      messages.push({ role: "tool", tool_call_id: item.call_id, content: output });
      return;
    }
    default:
      refuse(
        `${at}.type`,
        `Input items of type '${type}' are not supported; send message, function_call and function_call_output items.`,
      );
  }
}

function messageOf(item: InputItem, at: string): ChatMessage {
  const role = item.role ?? refuse(`${at}.role`, "A message item needs a `role`.");
  const content = item.content ?? refuse(`${at}.content`, "A message item needs `content`.");
  if (role === "user") {
    if (typeof content === "string") return { role, content };
    return {
      role,
      content: content.map((part, index) => {
        const where = `${at}.content[${index}]`;
        if (part.type === "input_text") return { type: "text" as const, text: part.text ?? "" };
        if (part.type === "input_image" && part.image_url) {
          return {
            type: "image_url" as const,
            image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) },
          };
        }
        return refuse(
          where,
          `Content parts of type '${part.type}'${part.type === "input_image" ? " without `image_url`" : ""} are not supported.`,
        );
      }),
    };
  }
  const text = typeof content === "string" ? content : textOf(content, `${at}.content`);
  if (role === "assistant") return { role, content: text };
  return { role, content: text };
}

/** Text-only content (instructions, assistant history, tool output) as one string. */
function textOf(parts: readonly InputPart[], at: string): string {
  return parts
    .map((part, index) => {
      if (["input_text", "output_text", "text"].includes(part.type)) return part.text ?? "";
      if (part.type === "refusal") return part.refusal ?? "";
      return refuse(
        `${at}[${index}]`,
        `Content parts of type '${part.type}' are not supported here.`,
      );
    })
    .join("");
}

function toChatTool(tool: z.infer<typeof toolSchema>, index: number): Tool {
  if (tool.type !== "function") {
    refuse(
      `tools[${index}]`,
      `Built-in tools are not supported (tool type '${tool.type}'); only function tools.`,
    );
  }
  if (!tool.name) refuse(`tools[${index}].name`, "A function tool needs a `name`.");
  return {
    type: "function",
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      ...(tool.parameters ? { parameters: tool.parameters } : {}),
      ...(typeof tool.strict === "boolean" ? { strict: tool.strict } : {}),
    },
  };
}

function toChatToolChoice(choice: NonNullable<ResponsesRequest["tool_choice"]>): ToolChoice {
  if (typeof choice === "string") return choice;
  if (choice.type === "function" && choice.name) {
    return { type: "function", function: { name: choice.name } };
  }
  return refuse(
    "tool_choice",
    `A tool_choice of type '${choice.type}' is not supported; use none, auto, required or a function.`,
  );
}
