/**
 * A non-streamed upstream answer → the canonical ChatCompletion and the usage the gateway bills.
 * Pure apart from the clock and id fallbacks passed in.
 */
import { z } from "zod";
import type {
  ChatCompletion,
  CompletionChoice,
  CompletionMessage,
  WireUsage,
} from "../../protocols/openai/chat.ts";
import { ProviderError } from "../errors.ts";
import { mapFinishReason } from "./finish-reason.ts";
import { isPlainCompletion } from "./plain-answer.ts";
import {
  normalizeToolCall,
  normalizeUsage,
  upstreamToolCallSchema,
  upstreamUsageSchema,
} from "./wire.ts";

const upstreamMessageSchema = z.looseObject({
  role: z.string().nullish(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(upstreamToolCallSchema).nullish(),
});

export const upstreamCompletionSchema = z.looseObject({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.number().int().min(0).nullish(),
      message: upstreamMessageSchema,
      finish_reason: z.string().nullish(),
      logprobs: z.unknown().nullish(),
    }),
  ),
  usage: upstreamUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});

type UpstreamMessage = z.infer<typeof upstreamMessageSchema>;
type UpstreamCompletion = z.infer<typeof upstreamCompletionSchema>;

/** Fallbacks for fields some compatible servers leave out. */
export interface ResponseDefaults {
  id: string;
  created: number;
  model: string;
}

export interface ParsedCompletion {
  response: ChatCompletion;
  /** null when the upstream reported no usage (the caller estimates it). */
  usage: WireUsage | null;
}

export function parseChatCompletion(
  json: unknown,
  defaults: ResponseDefaults,
  provider: string,
): ParsedCompletion {
  const upstream = isPlainCompletion(json) ? (json as UpstreamCompletion) : checked(json, provider);
  const usage = normalizeUsage(upstream.usage);
  const choices = upstream.choices.map(
    (choice, position): CompletionChoice => ({
      ...choice,
      index: choice.index ?? position,
      message: normalizeMessage(choice.message),
      finish_reason:
        mapFinishReason(choice.finish_reason) ??
        (choice.message.tool_calls?.length ? "tool_calls" : "stop"),
    }),
  );
  const response: ChatCompletion = {
    id: upstream.id || defaults.id,
    object: "chat.completion",
    created: Math.trunc(upstream.created ?? defaults.created),
    model: upstream.model || defaults.model,
    choices,
  };
  if (usage) response.usage = usage;
  if (upstream.system_fingerprint) response.system_fingerprint = upstream.system_fingerprint;
  if (upstream.service_tier) response.service_tier = upstream.service_tier;
  return { response, usage };
}

/** The answer through the schema, or the bad_response error that names what is wrong. */
function checked(json: unknown, provider: string): UpstreamCompletion {
  const parsed = upstreamCompletionSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue ? issue.path.join(".") || "body" : "body";
  throw new ProviderError({
    kind: "bad_response",
    message: `Provider '${provider}' answered with an invalid chat completion (${where}: ${issue?.message ?? "invalid"}).`,
    status: 502,
    retryable: false,
  });
}

function normalizeMessage(message: UpstreamMessage): CompletionMessage {
  const { tool_calls: toolCalls, ...rest } = message;
  const out: CompletionMessage = { ...rest, role: "assistant", content: message.content ?? null };
  if (toolCalls && toolCalls.length > 0) out.tool_calls = toolCalls.map(normalizeToolCall);
  return out;
}

/** All generated text of a completion, for estimating output tokens when usage is missing. */
export function completionText(response: ChatCompletion): string {
  const parts: string[] = [];
  for (const choice of response.choices) {
    parts.push(choice.message.content ?? "", choice.message.refusal ?? "");
    for (const call of choice.message.tool_calls ?? []) {
      if (call.type === "function") parts.push(call.function.name, call.function.arguments);
    }
  }
  return parts.join("");
}
