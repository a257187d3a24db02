/**
 * The common upstream answers checked by hand: identity fields, text (no tool calls), a finish
 * reason and plain token counts. Running the zod schema's safeParse on every streamed event cost
 * more than the rest of relaying it, and was most of reading a JSON answer. Anything else, and
 * anything that fails here, still goes through the schema (stream.ts, response.ts), which also
 * words the error. The checks are never looser than the schemas: what passes here would pass
 * there unchanged, as the schemas have no transforms.
 */

/** A streamed chunk (upstreamChunkSchema): text deltas only. */
export function isPlainChunk(json: unknown): boolean {
  if (!isPlainHead(json) || !isPlainUsage(json.usage)) return false;
  const choices = json.choices;
  if (choices == null) return true;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    if (!isRecord(choice) || !isPlainIndex(choice.index)) return false;
    if (!optionalString(choice.finish_reason)) return false;
    const delta = choice.delta;
    if (delta == null) continue;
    if (!isRecord(delta) || delta.tool_calls != null) return false;
    if (!optionalString(delta.role) || !optionalString(delta.content)) return false;
    if (!optionalString(delta.refusal)) return false;
  }
  return true;
}

/** A whole answer (upstreamCompletionSchema): text messages only. */
export function isPlainCompletion(json: unknown): boolean {
  if (!isPlainHead(json) || !isPlainUsage(json.usage)) return false;
  const choices = json.choices;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    if (!isRecord(choice) || !isPlainIndex(choice.index)) return false;
    if (!optionalString(choice.finish_reason)) return false;
    const message = choice.message;
    if (!isRecord(message) || message.tool_calls != null) return false;
    if (!optionalString(message.role) || !optionalString(message.content)) return false;
    if (!optionalString(message.refusal)) return false;
  }
  return true;
}

/** The identity fields both schemas share. */
function isPlainHead(json: unknown): json is Record<string, unknown> {
  if (!isRecord(json)) return false;
  if (!optionalString(json.id) || !optionalString(json.model)) return false;
  if (json.created != null && typeof json.created !== "number") return false;
  return optionalString(json.system_fingerprint) && optionalString(json.service_tier);
}

/** upstreamUsageSchema, or no usage. */
function isPlainUsage(usage: unknown): boolean {
  if (usage == null) return true;
  if (!isRecord(usage)) return false;
  if (!isCount(usage.prompt_tokens) || !isCount(usage.completion_tokens)) return false;
  if (!isCount(usage.total_tokens)) return false;
  const prompt = usage.prompt_tokens_details;
  if (prompt != null && !(isRecord(prompt) && isCount(prompt.cached_tokens))) return false;
  const completion = usage.completion_tokens_details;
  return completion == null || (isRecord(completion) && isCount(completion.reasoning_tokens));
}

function isCount(value: unknown): boolean {
  return value == null || (Number.isSafeInteger(value) && (value as number) >= 0);
}

function isPlainIndex(value: unknown): boolean {
  return isCount(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): boolean {
  return value == null || typeof value === "string";
}
