/**
 * The OpenAI Chat Completions wire format: the gateway's public API and its canonical internal
 * format. Import from here; the files beside it hold one part each (messages, request, response,
 * chunk, error wording).
 */
export type {
  ChatCompletionChunk,
  ChunkChoice,
  ChunkDelta,
  StreamIdentity,
  ToolCallDelta,
} from "./chat-chunk.ts";
export { chatCompletionChunkSchema, usageChunk } from "./chat-chunk.ts";
export type {
  ChatCompletion,
  CompletionChoice,
  CompletionMessage,
  FinishReason,
  WireUsage,
} from "./chat-completion.ts";
export { chatCompletionSchema, finishReasonSchema, wireUsageSchema } from "./chat-completion.ts";
export type {
  ChatCompletionRequest,
  ResponseFormat,
  Tool,
  ToolChoice,
} from "./chat-request.ts";
export {
  chatCompletionRequestSchema,
  MAX_MODEL_NAME_CHARS,
  modelNameSchema,
} from "./chat-request.ts";
export { contentText, lastUserText } from "./content-text.ts";
export type { RequestProblem } from "./issue-message.ts";
export type {
  AssistantMessage,
  ChatMessage,
  ChatRole,
  FunctionToolCall,
  ToolCall,
  ToolMessage,
  UserContentPart,
  UserMessage,
} from "./messages.ts";
export { chatMessageSchema } from "./messages.ts";
export { type ParseResult, parseChatCompletionRequest } from "./parse-chat-request.ts";
