/**
 * OpenAI tools and tool_choice → Anthropic's (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use). Pure.
 */
import type { Tool, ToolChoice } from "../../protocols/openai/chat.ts";
import type { Refuse } from "./convert-messages.ts";

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: "auto" | "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

/** A function without parameters still needs an object schema on Anthropic's side. */
const NO_PARAMETERS = { type: "object", properties: {} };

export function toAnthropicTools(tools: readonly Tool[], refuse: Refuse): AnthropicTool[] {
  return tools.map((tool, index) => {
    if (tool.type !== "function") {
      return refuse({ param: `tools[${index}]`, what: "custom tools (only function tools)" });
    }
    const { name, description, parameters } = tool.function;
    return {
      name,
      ...(description ? { description } : {}),
      input_schema: parameters ?? NO_PARAMETERS,
    };
  });
}

/**
 * `required` is Anthropic's `any`; `parallel_tool_calls: false` is `disable_parallel_tool_use`
 * on the choice. null: leave the choice to the API's default (auto).
 */
export function toAnthropicToolChoice(
  choice: ToolChoice | null | undefined,
  parallel: boolean | null | undefined,
  refuse: Refuse,
): AnthropicToolChoice | null {
  const serial = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === null || choice === undefined || choice === "auto") {
    return parallel === false ? { type: "auto", ...serial } : null;
  }
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...serial };
  if (choice.type === "function") return { type: "tool", name: choice.function.name, ...serial };
  return refuse({ param: "tool_choice", what: `a tool_choice of type ${choice.type}` });
}
