/**
 * Tool call ids for Gemini, which numbers its function calls rarely and never asks for the id
 * back. An OpenAI client needs one per call to answer it, so the adapter makes them: Gemini's
 * own id when it sent one, else `call_<request id>_<n>` (n counts the calls of the response),
 * the same in a stream and in a whole answer.
 *
 * Gemini 2.5+ thinking models attach a `thoughtSignature` to a function call and require it back
 * with that call in the next turn; OpenAI's messages have no field for it, so it rides in the id
 * (`<id>__thought__<signature>`), which every client returns verbatim. Pure.
 */

const SIGNATURE_SEPARATOR = "__thought__";

export function makeToolCallId(
  requestId: string,
  callIndex: number,
  geminiId: string | null | undefined,
  thoughtSignature: string | null | undefined,
): string {
  const base = geminiId || `call_${requestId}_${callIndex}`;
  return thoughtSignature ? `${base}${SIGNATURE_SEPARATOR}${thoughtSignature}` : base;
}

export function parseToolCallId(id: string): { base: string; thoughtSignature: string | null } {
  const at = id.indexOf(SIGNATURE_SEPARATOR);
  if (at < 0) return { base: id, thoughtSignature: null };
  const signature = id.slice(at + SIGNATURE_SEPARATOR.length);
  return { base: id.slice(0, at), thoughtSignature: signature === "" ? null : signature };
}
