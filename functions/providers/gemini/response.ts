/**
 * A generateContent answer → the canonical ChatCompletion and its usage: one choice per
 * candidate. A prompt Gemini blocked comes back without candidates; that is one empty choice
 * finished by `content_filter`, as OpenAI reports its own filter. Pure apart from the clock and
 * id fallbacks passed in.
 */
import type {
  ChatCompletion,
  CompletionChoice,
  CompletionMessage,
} from "../../protocols/openai/chat.ts";
import { ProviderError } from "../errors.ts";
import type { Usage } from "../types.ts";
import { toWireUsage } from "../usage.ts";
import { mapFinishReason } from "./finish-reason.ts";
import { sortParts } from "./parts.ts";
import { toUsage } from "./usage.ts";
import { generateContentResponseSchema } from "./wire.ts";

export interface ResponseDefaults {
  id: string;
  created: number;
  model: string;
  /** The gateway's request id, for tool call ids. */
  requestId: string;
}

export function parseGenerateContent(
  json: unknown,
  defaults: ResponseDefaults,
  provider: string,
): { response: ChatCompletion; usage: Usage | null } {
  const parsed = generateContentResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "body" : "body";
    throw new ProviderError({
      kind: "bad_response",
      message: `Provider '${provider}' answered with an invalid generateContent response (${where}: ${issue?.message ?? "invalid"}).`,
      status: 502,
      retryable: false,
    });
  }
  const upstream = parsed.data;
  let calls = 0;
  const nextCall = () => calls++;
  const choices: CompletionChoice[] = (upstream.candidates ?? []).map((candidate, position) => {
    const sorted = sortParts(candidate.content?.parts ?? [], defaults.requestId, nextCall);
    const message: CompletionMessage = {
      role: "assistant",
      content: sorted.text === "" && sorted.calls.length > 0 ? null : sorted.text,
      refusal: null,
    };
    if (sorted.calls.length > 0) message.tool_calls = sorted.calls;
    if (sorted.reasoning !== "") message.reasoning_content = sorted.reasoning;
    const called = sorted.calls.length > 0;
    return {
      index: candidate.index ?? position,
      message,
      logprobs: null,
      finish_reason:
        mapFinishReason(candidate.finishReason, called) ?? (called ? "tool_calls" : "stop"),
    };
  });
  if (choices.length === 0) {
    choices.push({
      index: 0,
      message: { role: "assistant", content: "", refusal: null },
      logprobs: null,
      finish_reason: "content_filter",
    });
  }
  const usage = upstream.usageMetadata ? toUsage(upstream.usageMetadata) : null;
  const response: ChatCompletion = {
    id: defaults.id,
    object: "chat.completion",
    created: defaults.created,
    model: upstream.modelVersion || defaults.model,
    choices,
  };
  if (usage) response.usage = toWireUsage(usage);
  return { response, usage };
}
