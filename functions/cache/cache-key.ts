/**
 * The cache key: a SHA-256 of the org and the normalized request, so that only a request that
 * must get the same answer finds an entry, and never one of another org.
 *
 * Normalized: the request as the client sent it (the model name it asked for, the messages and
 * every parameter), minus what does not change the answer (`stream`, `stream_options`, `user`)
 * and minus parameters set to null (OpenAI reads an explicit null as "not set"). The JSON is
 * canonical (RFC 8785, the `canonicalize` library), so key order and number spelling do not matter.
 */
import canonicalize from "canonicalize";
import type { ChatCompletionRequest } from "../protocols/openai/chat.ts";

/** Bump when the normalization changes, so old entries are never read under new rules. */
const KEY_VERSION = 1;

const ANSWER_NEUTRAL = new Set(["stream", "stream_options", "user"]);

export async function cacheKeyOf(orgId: string, request: ChatCompletionRequest): Promise<string> {
  const normalized: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    if (ANSWER_NEUTRAL.has(name) || value === null || value === undefined) continue;
    normalized[name] = value;
  }
  const text = canonicalize({ v: KEY_VERSION, orgId, request: normalized });
  if (text === undefined) throw new Error("cache key: the request is not serializable");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
