/**
 * OpenAI's `response_format` (JSON mode, JSON schema) on the Messages API, which has no such
 * parameter: the forced-tool technique Anthropic documents
 * (https://docs.anthropic.com/en/docs/build-with-claude/tool-use#json-mode). The request gains
 * one tool whose `input_schema` is the wanted schema and a `tool_choice` that makes the model
 * call it; the answer's call of that tool is the JSON, handed to the client as the assistant's
 * `content` with finish_reason `stop`, as OpenAI would. Pure.
 *
 * With client tools in the same request the model must still be able to call them, so the
 * choice becomes `any` (call some tool: one of the client's, or the JSON tool to answer) instead
 * of forcing the JSON tool; a client call comes back as `tool_calls` as usual. A client that
 * forced one of its own functions gets that call. `strict` is not enforced by Anthropic's tool
 * inputs: the JSON follows the schema as far as the model does.
 */
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import type { Refuse } from "./convert-messages.ts";
import type { AnthropicTool, AnthropicToolChoice } from "./convert-tools.ts";

/** The tool's name when the format names none (JSON mode). */
export const JSON_OUTPUT_TOOL = "json_output";

/** JSON mode: any JSON object. */
const ANY_OBJECT = { type: "object", additionalProperties: true };

/** Anthropic's tool name rule. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface JsonOutput {
  tool: AnthropicTool;
}

/** The JSON tool `request` needs, or null when it asks for no JSON format. */
export function jsonOutputOf(request: ChatCompletionRequest, refuse: Refuse): JsonOutput | null {
  const format = request.response_format;
  if (!format || format.type === "text") return null;
  if (format.type === "json_object") {
    return {
      tool: {
        name: JSON_OUTPUT_TOOL,
        description: "Answer with a JSON object.",
        input_schema: ANY_OBJECT,
      },
    };
  }
  const { name, description, schema } = format.json_schema;
  if (!TOOL_NAME.test(name)) {
    refuse({
      param: "response_format.json_schema.name",
      what: "a schema name other than 1 to 64 letters, digits, `_` or `-`",
    });
  }
  const inputSchema = schema ?? ANY_OBJECT;
  // Tool inputs are objects: a schema for an array or a string has no tool to carry it.
  if (inputSchema.type !== undefined && inputSchema.type !== "object") {
    refuse({
      param: "response_format.json_schema.schema",
      what: "a JSON schema whose root is not an object",
    });
  }
  return {
    tool: {
      name,
      description: description ?? `Answer with JSON that matches the ${name} schema.`,
      input_schema: { ...inputSchema, type: "object" },
    },
  };
}

/**
 * The tools and tool_choice of a JSON request: the client's tools (already translated) plus the
 * JSON tool, chosen as the module comment says.
 */
export function withJsonTool(
  json: JsonOutput,
  tools: AnthropicTool[],
  choice: AnthropicToolChoice | null,
  refuse: Refuse,
): { tools: AnthropicTool[]; toolChoice: AnthropicToolChoice } {
  if (tools.some((tool) => tool.name === json.tool.name)) {
    refuse({
      param: "response_format",
      what: `a JSON format named like one of the request's tools (${json.tool.name})`,
    });
  }
  const all = [...tools, json.tool];
  const forced: AnthropicToolChoice = { type: "tool", name: json.tool.name };
  if (tools.length === 0 || choice?.type === "none") return { tools: all, toolChoice: forced };
  if (choice?.type === "tool") return { tools: all, toolChoice: choice };
  const serial =
    choice && "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use
      ? { disable_parallel_tool_use: true }
      : {};
  return { tools: all, toolChoice: { type: "any", ...serial } };
}

/** The JSON tool's name for `request`, for reading the answer; null without a JSON format. */
export function jsonToolName(request: ChatCompletionRequest): string | null {
  const format = request.response_format;
  if (!format || format.type === "text") return null;
  return format.type === "json_object" ? JSON_OUTPUT_TOOL : format.json_schema.name;
}
