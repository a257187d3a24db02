/**
 * OpenAI tools and tool_choice → Gemini's `tools[].functionDeclarations` and
 * `toolConfig.functionCallingConfig` (https://ai.google.dev/gemini-api/docs/function-calling).
 * Pure.
 */
import type { Tool, ToolChoice } from "../../protocols/openai/chat.ts";
import type { Refuse } from "./convert-messages.ts";
import { toGeminiSchema } from "./schema.ts";

export interface FunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export interface FunctionCallingConfig {
  mode: "AUTO" | "ANY" | "NONE";
  allowedFunctionNames?: string[];
}

export function toFunctionDeclarations(
  tools: readonly Tool[],
  refuse: Refuse,
): FunctionDeclaration[] {
  return tools.map((tool, index) => {
    if (tool.type !== "function") {
      return refuse({ param: `tools[${index}]`, what: "custom tools (only function tools)" });
    }
    const { name, description, parameters } = tool.function;
    const declaration: FunctionDeclaration = { name };
    if (description) declaration.description = description;
    if (parameters) {
      const schema = toGeminiSchema(parameters, `tools[${index}].function.parameters`, refuse);
      // Gemini refuses an OBJECT schema without properties: a function without parameters
      // simply has none.
      const empty = schema.type === "object" && schema.properties === undefined;
      if (!empty) declaration.parameters = schema;
    }
    return declaration;
  });
}

/**
 * `required` is Gemini's ANY, a named function ANY limited to it. `allowed_tools` gives the
 * names too; Gemini limits only ANY to a list, so for `auto` the request builder leaves the other
 * declarations out instead. null: Gemini's default (AUTO). `parallel_tool_calls` has no knob.
 */
export function toFunctionCallingConfig(
  choice: ToolChoice | null | undefined,
  refuse: Refuse,
): FunctionCallingConfig | null {
  if (choice === null || choice === undefined || choice === "auto") return null;
  if (choice === "none") return { mode: "NONE" };
  if (choice === "required") return { mode: "ANY" };
  if (choice.type === "function") {
    return { mode: "ANY", allowedFunctionNames: [choice.function.name] };
  }
  if (choice.type === "allowed_tools") {
    const names = choice.allowed_tools.tools.flatMap((tool) => {
      const fn = tool.function;
      const name = typeof fn === "object" && fn !== null ? Reflect.get(fn, "name") : undefined;
      return typeof name === "string" ? [name] : [];
    });
    return {
      mode: choice.allowed_tools.mode === "required" ? "ANY" : "AUTO",
      allowedFunctionNames: names,
    };
  }
  return refuse({ param: "tool_choice", what: `a tool_choice of type ${choice.type}` });
}
