/**
 * OpenAI tools and tool_choice → Converse's toolConfig
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html). Pure.
 */
import type { Tool, ToolChoice } from "../../protocols/openai/chat.ts";
import type { Refuse } from "./convert-messages.ts";

export interface ConverseToolSpec {
  toolSpec: {
    name: string;
    description?: string;
    inputSchema: { json: Record<string, unknown> };
  };
}

export type ConverseToolChoice =
  | { auto: Record<string, never> }
  | { any: Record<string, never> }
  | { tool: { name: string } };

/** A function without parameters still needs an object schema. */
const NO_PARAMETERS = { type: "object", properties: {} };

export function toConverseTools(tools: readonly Tool[], refuse: Refuse): ConverseToolSpec[] {
  return tools.map((tool, index) => {
    if (tool.type !== "function") {
      return refuse({ param: `tools[${index}]`, what: "custom tools (only function tools)" });
    }
    const { name, description, parameters } = tool.function;
    return {
      toolSpec: {
        name,
        ...(description ? { description } : {}),
        inputSchema: { json: parameters ?? NO_PARAMETERS },
      },
    };
  });
}

/**
 * `required` is Converse's `any`; a named function is `tool`. null: no choice sent (the API's
 * default is auto). `none` has no Converse equivalent; the request builder leaves the tools out
 * instead (see request.ts).
 */
export function toConverseToolChoice(
  choice: ToolChoice | null | undefined,
  refuse: Refuse,
): ConverseToolChoice | null {
  if (choice === null || choice === undefined || choice === "none") return null;
  if (choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  if (choice.type === "function") return { tool: { name: choice.function.name } };
  return refuse({ param: "tool_choice", what: `a tool_choice of type ${choice.type}` });
}
