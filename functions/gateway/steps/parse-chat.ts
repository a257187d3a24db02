/** Stage 1b: the body must be a Chat Completions request; the error names the field at fault. */
import {
  type ChatCompletionRequest,
  parseChatCompletionRequest,
} from "../../protocols/openai/chat.ts";
import { GatewayError } from "../errors.ts";

export function parseChatRequest(body: unknown): ChatCompletionRequest {
  const parsed = parseChatCompletionRequest(body);
  if (!parsed.ok) {
    throw new GatewayError("invalid_request", parsed.problem.message, {
      param: parsed.problem.param,
    });
  }
  return parsed.value;
}
