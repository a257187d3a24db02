/**
 * The common streamed chunk checked by hand: identity fields, text deltas and a finish reason,
 * no tool calls and no usage. Running the chunk schema's safeParse on every event cost more than
 * the rest of relaying it; the rare chunk that carries tool calls or usage, and any that fails
 * this check, still goes through the schema (stream.ts), which also words the error. The check is
 * never looser than the schema: what passes here would pass there unchanged, as the schema has no
 * transforms.
 */

export function isPlainChunk(json: unknown): boolean {
  if (!isRecord(json)) return false;
  if (!optionalString(json.id) || !optionalString(json.model)) return false;
  if (json.created != null && typeof json.created !== "number") return false;
  if (!optionalString(json.system_fingerprint) || !optionalString(json.service_tier)) return false;
  if (json.usage != null) return false;
  const choices = json.choices;
  if (choices == null) return true;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    if (!isRecord(choice)) return false;
    const index = choice.index;
    if (index != null && !(Number.isSafeInteger(index) && (index as number) >= 0)) return false;
    if (!optionalString(choice.finish_reason)) return false;
    const delta = choice.delta;
    if (delta == null) continue;
    if (!isRecord(delta) || delta.tool_calls != null) return false;
    if (!optionalString(delta.role) || !optionalString(delta.content)) return false;
    if (!optionalString(delta.refusal)) return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): boolean {
  return value == null || typeof value === "string";
}
