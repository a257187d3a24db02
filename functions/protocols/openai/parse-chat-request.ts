/** Parses a decoded JSON body into a ChatCompletionRequest, or says precisely what is wrong. */
import { type ChatCompletionRequest, chatCompletionRequestSchema } from "./chat-request.ts";
import { describeIssue, type RequestProblem } from "./issue-message.ts";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: RequestProblem };

export function parseChatCompletionRequest(body: unknown): ParseResult<ChatCompletionRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      problem: { message: "The request body must be a JSON object.", param: null },
    };
  }
  // reportInput lets the message quote the offending value ("Invalid value: 'bot'").
  const result = chatCompletionRequestSchema.safeParse(body, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const [first] = result.error.issues;
  if (!first) return { ok: false, problem: { message: "Invalid request body.", param: null } };
  return { ok: false, problem: describeIssue(first) };
}
