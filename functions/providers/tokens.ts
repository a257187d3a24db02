/**
 * Token counting with the o200k_base encoding (GPT-4o, GPT-4.1, o-series), from the pure-JS
 * `gpt-tokenizer` package: the BPE ranks ship inside the package, so counting works offline and
 * on every runtime. Other providers' tokenizers differ by a few percent; counts here are used
 * where a provider reports nothing (mock, streams without usage, reservations) and are labelled
 * as estimates there.
 *
 * The encoding is 2.4 MB of ranks that take ~0.4 s to load, so it is loaded lazily, once, on the
 * first count: a cold start that never needs a count never pays for it. `loadTokenizer()` gives
 * synchronous counting after that one await.
 */
import type * as O200k from "gpt-tokenizer/encoding/o200k_base";
import type { ChatCompletionRequest, ChatMessage } from "../protocols/openai/chat.ts";
import { contentText } from "../protocols/openai/chat.ts";
import type { Usage } from "./types.ts";

export interface Tokenizer {
  countTokens(text: string): number;
  /** Chat-formatted prompt size of messages, as OpenAI bills `prompt_tokens`. */
  countMessageTokens(messages: readonly ChatMessage[]): number;
  /** Messages plus tool definitions and a JSON response schema. */
  countRequestTokens(request: ChatCompletionRequest): number;
  /** The longest prefix of `text` that is at most `maxTokens` tokens. */
  truncateToTokens(text: string, maxTokens: number): string;
}

// OpenAI cookbook, "How to count tokens with tiktoken": every message costs 3 tokens of framing
// (<|start|>role<|message|>...<|end|>), a name 1 more, and every reply is primed with 3.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
const TOKENS_PER_TOOL_CALL = 3;
// OpenAI vision pricing: a low-detail image is 85 tokens; without the image's size we assume a
// 1024×1024 high-detail image (4 tiles × 170 + 85).
const LOW_DETAIL_IMAGE_TOKENS = 85;
const DEFAULT_IMAGE_TOKENS = 765;

// Text a user sends is text: "<|endoftext|>" in a prompt is counted, not refused.
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };

let loading: Promise<Tokenizer> | undefined;

export function loadTokenizer(): Promise<Tokenizer> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then(createTokenizer);
  return loading;
}

export async function countTokens(text: string): Promise<number> {
  return (await loadTokenizer()).countTokens(text);
}

export async function countMessageTokens(messages: readonly ChatMessage[]): Promise<number> {
  return (await loadTokenizer()).countMessageTokens(messages);
}

export async function countRequestTokens(request: ChatCompletionRequest): Promise<number> {
  return (await loadTokenizer()).countRequestTokens(request);
}

function createTokenizer(encoding: typeof O200k): Tokenizer {
  const countTokens = (text: string): number =>
    text === "" ? 0 : encoding.countTokens(text, ENCODE_OPTIONS);

  const countMessage = (message: ChatMessage): number => {
    let tokens = TOKENS_PER_MESSAGE + countTokens(message.role);
    tokens += countTokens(contentText(message.content)) + imageTokens(message);
    if ("name" in message && typeof message.name === "string" && message.name !== "") {
      tokens += TOKENS_PER_NAME + countTokens(message.name);
    }
    if (message.role === "assistant") {
      for (const call of message.tool_calls ?? []) {
        const body = call.type === "function" ? call.function : call.custom;
        const input = "arguments" in body ? body.arguments : body.input;
        tokens += TOKENS_PER_TOOL_CALL + countTokens(body.name) + countTokens(String(input));
      }
      if (message.function_call) {
        tokens += countTokens(message.function_call.name + message.function_call.arguments);
      }
    }
    if (message.role === "tool") tokens += countTokens(message.tool_call_id);
    return tokens;
  };

  const countMessageTokens = (messages: readonly ChatMessage[]): number =>
    messages.reduce((sum, message) => sum + countMessage(message), REPLY_PRIMING_TOKENS);

  return {
    countTokens,
    countMessageTokens,
    countRequestTokens(request) {
      let tokens = countMessageTokens(request.messages);
      // Tool definitions reach the model re-serialised; their JSON is a close upper bound.
      if (request.tools && request.tools.length > 0) {
        tokens += countTokens(JSON.stringify(request.tools));
      }
      const format = request.response_format;
      if (format?.type === "json_schema") tokens += countTokens(JSON.stringify(format.json_schema));
      return tokens;
    },
    truncateToTokens(text, maxTokens) {
      const tokens = encoding.encode(text, ENCODE_OPTIONS);
      if (tokens.length <= maxTokens) return text;
      return encoding.decode(tokens.slice(0, Math.max(0, maxTokens)));
    },
  };
}

function imageTokens(message: ChatMessage): number {
  if (message.role !== "user" || typeof message.content === "string") return 0;
  let tokens = 0;
  for (const part of message.content) {
    if (part.type !== "image_url") continue;
    tokens += part.image_url.detail === "low" ? LOW_DETAIL_IMAGE_TOKENS : DEFAULT_IMAGE_TOKENS;
  }
  return tokens;
}

/**
 * Usage counted by our tokenizer, for a call whose provider reported none (a stream cut short,
 * or a server that never sends usage); marked estimated so the record says so.
 */
export async function estimateUsage(
  request: ChatCompletionRequest,
  output: string,
): Promise<Usage> {
  const tokenizer = await loadTokenizer();
  return {
    inputTokens: tokenizer.countRequestTokens(request),
    outputTokens: tokenizer.countTokens(output),
    cachedInputTokens: 0,
    estimated: true,
  };
}
