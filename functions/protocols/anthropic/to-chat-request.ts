/**
 * An Anthropic Messages request as the gateway's canonical Chat Completions request, which every
 * adapter takes. Pure. What Chat Completions cannot express is either refused with a problem
 * naming the field (server tools, document URLs) or left out where it is only a hint to
 * Anthropic (`cache_control`) or the model's own earlier reasoning (`thinking` blocks, which only
 * Anthropic accepts back). Unknown top-level fields are copied through unchanged (`top_k` too:
 * several OpenAI-compatible servers read it), so a provider that knows them gets them and one
 * that does not says so.
 */
import type {
  ChatCompletionRequest,
  ChatMessage,
  FunctionToolCall,
  Tool,
  ToolChoice,
  UserContentPart,
} from "../openai/chat.ts";
import type { ParseResult } from "../openai/parse-chat-request.ts";
import type {
  AnthropicTool,
  AnthropicToolChoice,
  AssistantBlock,
  DocumentBlock,
  ImageBlock,
  InputMessage,
  MessagesRequest,
  UserBlock,
} from "./messages-request.ts";

/** Fields this file translates; every other top-level field is copied as is. */
const TRANSLATED = new Set([
  "model",
  "messages",
  "max_tokens",
  "system",
  "metadata",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "tools",
  "tool_choice",
]);

class Untranslatable extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

export function toChatRequest(request: MessagesRequest): ParseResult<ChatCompletionRequest> {
  try {
    return { ok: true, value: translate(request) };
  } catch (error) {
    if (error instanceof Untranslatable) {
      return { ok: false, problem: { message: error.message, param: error.param } };
    }
    throw error;
  }
}

function translate(request: MessagesRequest): ChatCompletionRequest {
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    if (!TRANSLATED.has(name) && value !== undefined) extra[name] = value;
  }
  const messages: ChatMessage[] = [];
  const system = systemMessage(request.system);
  if (system) messages.push(system);
  request.messages.forEach((message, index) => {
    messages.push(...toChatMessages(message, index));
  });
  const chat: ChatCompletionRequest = {
    ...extra,
    model: request.model,
    messages,
    max_tokens: request.max_tokens,
  };
  if (request.stream === true) {
    chat.stream = true;
    // The Anthropic stream ends with usage (message_delta), so it is always asked for.
    chat.stream_options = { include_usage: true };
  }
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.stop_sequences?.length) chat.stop = request.stop_sequences;
  if (request.metadata?.user_id) chat.user = request.metadata.user_id;
  if (request.tools?.length) chat.tools = request.tools.map(toTool);
  if (request.tool_choice) Object.assign(chat, toolChoiceFields(request.tool_choice));
  return chat;
}

function systemMessage(system: MessagesRequest["system"]): ChatMessage | null {
  if (system == null) return null;
  if (typeof system === "string") return system === "" ? null : { role: "system", content: system };
  if (system.length === 0) return null;
  return {
    role: "system",
    content: system.map((block) => ({ type: "text" as const, text: block.text })),
  };
}

function toChatMessages(message: InputMessage, index: number): ChatMessage[] {
  if (message.role === "assistant") return [assistantMessage(message.content)];
  if (typeof message.content === "string") return [{ role: "user", content: message.content }];
  return userTurn(message.content, index);
}

/**
 * One user turn: its tool results become `tool` messages (Chat Completions keeps them apart, and
 * they must follow the assistant's tool calls directly), the rest one user message after them.
 * Images inside a tool result move to that user message, since a `tool` message holds text only.
 */
function userTurn(blocks: readonly UserBlock[], index: number): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: UserContentPart[] = [];
  blocks.forEach((block, position) => {
    const param = `messages[${index}].content[${position}]`;
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: block.text });
        break;
      case "image":
        parts.push(imagePart(block));
        break;
      case "document":
        parts.push(documentPart(block, param));
        break;
      case "tool_result": {
        const content = block.content ?? "";
        const texts =
          typeof content === "string"
            ? [content]
            : content.flatMap((inner) => (inner.type === "text" ? [inner.text] : []));
        if (typeof content !== "string") {
          for (const inner of content) if (inner.type === "image") parts.push(imagePart(inner));
        }
        toolMessages.push({
          role: "tool",
          tool_call_id: block.tool_use_id,
          content: texts.join(""),
        });
        break;
      }
    }
  });
  if (parts.length === 0) return toolMessages;
  return [...toolMessages, { role: "user", content: parts }];
}

function imagePart(block: ImageBlock): UserContentPart {
  const { source } = block;
  const url =
    source.type === "base64" ? `data:${source.media_type};base64,${source.data}` : source.url;
  return { type: "image_url", image_url: { url } };
}

function documentPart(block: DocumentBlock, param: string): UserContentPart {
  const { source } = block;
  if (source.type === "text") {
    const title = block.title ? `${block.title}\n\n` : "";
    return { type: "text", text: `${title}${source.data}` };
  }
  if (source.type === "base64") {
    return {
      type: "file",
      file: {
        file_data: `data:${source.media_type};base64,${source.data}`,
        filename: block.title ?? "document",
      },
    };
  }
  throw new Untranslatable(
    "A document given by URL can only be sent to an Anthropic deployment; send it as base64 data instead.",
    `${param}.source`,
  );
}

function assistantMessage(content: string | readonly AssistantBlock[]): ChatMessage {
  if (typeof content === "string") return { role: "assistant", content };
  let text = "";
  const toolCalls: FunctionToolCall[] = [];
  for (const block of content) {
    if (block.type === "text") text += block.text;
    if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
    // thinking / redacted_thinking: only Anthropic takes its own reasoning back; left out.
  }
  const message: ChatMessage = { role: "assistant", content: text === "" ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  else if (message.content === null) message.content = "";
  return message;
}

function toTool(tool: AnthropicTool, index: number): Tool {
  if (tool.type != null && tool.type !== "custom") {
    throw new Untranslatable(
      `The tool '${tool.name}' is an Anthropic server tool (type '${tool.type}'); it can only be used with an Anthropic deployment.`,
      `tools[${index}].type`,
    );
  }
  return {
    type: "function",
    function: {
      name: tool.name,
      ...(tool.description != null ? { description: tool.description } : {}),
      parameters: tool.input_schema ?? { type: "object", properties: {} },
    },
  };
}

/** Anthropic's `any` is OpenAI's `required`; `disable_parallel_tool_use` is `parallel_tool_calls: false`. */
function toolChoiceFields(choice: AnthropicToolChoice): {
  tool_choice: ToolChoice;
  parallel_tool_calls?: boolean;
} {
  const parallel =
    choice.type !== "none" && choice.disable_parallel_tool_use === true
      ? { parallel_tool_calls: false }
      : {};
  switch (choice.type) {
    case "auto":
      return { tool_choice: "auto", ...parallel };
    case "any":
      return { tool_choice: "required", ...parallel };
    case "none":
      return { tool_choice: "none" };
    case "tool":
      return { tool_choice: { type: "function", function: { name: choice.name } }, ...parallel };
  }
}
