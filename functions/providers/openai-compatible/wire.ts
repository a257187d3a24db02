/**
 * What OpenAI-compatible upstreams actually send, validated leniently (providers omit `object`,
 * `created` or `total_tokens`, invent finish reasons, send tool arguments as objects), and the
 * normalisers into the gateway's strict canonical types. Shared by response.ts and stream.ts.
 */
import { z } from "zod";
import type { ToolCall, ToolCallDelta, WireUsage } from "../../protocols/openai/chat.ts";

const count = z.number().int().min(0).nullish();

export const upstreamUsageSchema = z.looseObject({
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count,
  prompt_tokens_details: z.looseObject({ cached_tokens: count }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: count }).nullish(),
});

/** Arguments are a JSON string in OpenAI's format; a few servers send the object itself. */
const toolArgumentsSchema = z.union([z.string(), z.record(z.string(), z.unknown())]);

export const upstreamToolCallSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string(), arguments: toolArgumentsSchema.nullish() }),
});

export const upstreamToolCallDeltaSchema = z.looseObject({
  index: z.number().int().min(0).nullish(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z
    .looseObject({ name: z.string().nullish(), arguments: toolArgumentsSchema.nullish() })
    .nullish(),
});

/** `{"error": ...}` in a 4xx/5xx body or as a stream event. */
export const upstreamErrorSchema = z.looseObject({
  error: z.union([
    z.string(),
    z.looseObject({
      message: z.string().nullish(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
      param: z.string().nullish(),
    }),
  ]),
});

export type UpstreamUsage = z.infer<typeof upstreamUsageSchema>;
export type UpstreamToolCall = z.infer<typeof upstreamToolCallSchema>;
export type UpstreamToolCallDelta = z.infer<typeof upstreamToolCallDeltaSchema>;

/** Usage in OpenAI's exact shape, or null when the upstream reported no token counts. */
export function normalizeUsage(usage: UpstreamUsage | null | undefined): WireUsage | null {
  if (!usage) return null;
  const prompt = usage.prompt_tokens;
  const completion = usage.completion_tokens;
  if (typeof prompt !== "number" && typeof completion !== "number") return null;
  const promptTokens = prompt ?? 0;
  const completionTokens = completion ?? 0;
  return {
    ...usage,
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: usage.total_tokens ?? promptTokens + completionTokens,
  };
}

export function normalizeToolCall(call: UpstreamToolCall, position: number): ToolCall {
  return {
    ...call,
    id: call.id ?? `call_${position}`,
    type: "function",
    function: {
      ...call.function,
      name: call.function.name,
      arguments: argumentsText(call.function.arguments),
    },
  };
}

export function normalizeToolCallDelta(
  delta: UpstreamToolCallDelta,
  position: number,
): ToolCallDelta {
  const { function: fn, index, id, type, ...rest } = delta;
  const out: ToolCallDelta = { ...rest, index: index ?? position };
  if (id) out.id = id;
  if (id || type) out.type = "function";
  if (fn) {
    out.function = {};
    if (fn.name) out.function.name = fn.name;
    if (fn.arguments !== null && fn.arguments !== undefined) {
      out.function.arguments = argumentsText(fn.arguments);
    }
  }
  return out;
}

function argumentsText(value: string | Record<string, unknown> | null | undefined): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
