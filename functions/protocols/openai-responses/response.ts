/**
 * The canonical ChatCompletion → a Responses API `response` object
 * (https://platform.openai.com/docs/api-reference/responses/object). Pure. The text becomes one
 * message item with one output_text part, each tool call a function_call item; `length` and
 * `content_filter` make the response `incomplete`, as OpenAI reports them.
 */
import type { ChatCompletion, FinishReason } from "../openai/chat.ts";
import type { ResponsesRequest } from "./request.ts";

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface MessageItem {
  type: "message";
  id: string;
  status: "in_progress" | "completed" | "incomplete";
  role: "assistant";
  content: Array<{ type: "output_text"; text: string; annotations: [] }>;
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: "in_progress" | "completed";
}

export type OutputItem = MessageItem | FunctionCallItem;

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  store: false;
  temperature: number | null;
  top_p: number | null;
  text: { format: unknown };
  tool_choice: unknown;
  tools: unknown[];
  usage: ResponseUsage | null;
  metadata: Record<string, string>;
}

/** What the gateway knows of usage, in the Responses API's shape. */
export interface CountedUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export function toResponseUsage(usage: CountedUsage): ResponseUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export interface ResponseIdentity {
  /** `resp_...` */
  id: string;
  createdAt: number;
  model: string;
}

/** The response's frame: everything but output, status and usage, from the request. */
export function responseShell(
  identity: ResponseIdentity,
  request: ResponsesRequest,
): ResponseObject {
  return {
    id: identity.id,
    object: "response",
    created_at: identity.createdAt,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: identity.model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    store: false,
    temperature: request.temperature ?? null,
    top_p: request.top_p ?? null,
    text: { format: request.text?.format ?? { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    usage: null,
    metadata: request.metadata ?? {},
  };
}

/** Status and incomplete_details for a finish reason. */
export function statusOf(
  finish: FinishReason | null,
): Pick<ResponseObject, "status" | "incomplete_details"> {
  if (finish === "length") {
    return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  }
  if (finish === "content_filter") {
    return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  }
  return { status: "completed", incomplete_details: null };
}

export function toResponse(
  completion: ChatCompletion,
  usage: CountedUsage,
  identity: ResponseIdentity,
  request: ResponsesRequest,
): ResponseObject {
  const choice = completion.choices[0];
  const output: OutputItem[] = [];
  const state = statusOf(choice?.finish_reason ?? null);
  const text = choice?.message.content ?? "";
  if (text !== "") {
    output.push({
      type: "message",
      id: `msg_${identity.id.slice("resp_".length)}`,
      status: state.status === "completed" ? "completed" : "incomplete",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    });
  }
  for (const call of choice?.message.tool_calls ?? []) {
    if (call.type !== "function") continue;
    output.push({
      type: "function_call",
      id: `fc_${call.id}`,
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: "completed",
    });
  }
  return {
    ...responseShell({ ...identity, model: completion.model || identity.model }, request),
    ...state,
    output,
    usage: toResponseUsage(usage),
  };
}
