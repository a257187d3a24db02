/**
 * The usage of one stream: what the provider reported, or, when the stream ends without it
 * (cut off, cancelled, or a server that never reports), an estimate from the tokenizer over the
 * prompt and the text generated so far. Shared by every streaming adapter.
 */
import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
  WireUsage,
} from "../protocols/openai/chat.ts";
import { loadTokenizer } from "./tokens.ts";
import type { Usage } from "./types.ts";
import { fromWireUsage, toWireUsage, ZERO_USAGE } from "./usage.ts";

export class StreamUsage {
  private reported: { usage: Usage; wire: WireUsage } | null = null;
  private generated = "";
  private final: { usage: Usage; wire: WireUsage } | null = null;

  constructor(private readonly request: ChatCompletionRequest) {}

  /** Usage sent by the provider; the last report wins (some send running totals). */
  report(wire: WireUsage): void {
    this.reported = { usage: fromWireUsage(wire), wire };
  }

  /** Usage sent by a provider whose format is not OpenAI's, already converted. */
  reportUsage(usage: Usage): void {
    this.reported = { usage, wire: toWireUsage(usage) };
  }

  /** Remembers the text a chunk generated, in case the estimate is needed. */
  observe(chunk: ChatCompletionChunk): void {
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      this.generated += (delta.content ?? "") + (delta.refusal ?? "");
      for (const call of delta.tool_calls ?? []) {
        this.generated += (call.function?.name ?? "") + (call.function?.arguments ?? "");
      }
    }
  }

  /** Final once `finish` has resolved; before that, the provider's report or zero. */
  current(): Usage {
    if (this.final) return this.final.usage;
    return this.reported ? this.reported.usage : ZERO_USAGE;
  }

  get finished(): boolean {
    return this.final !== null;
  }

  /** Settles the usage: the provider's report if there was one, else the tokenizer's estimate. */
  async finish(): Promise<{ usage: Usage; wire: WireUsage }> {
    if (this.final) return this.final;
    if (this.reported) {
      this.final = this.reported;
      return this.final;
    }
    const tokenizer = await loadTokenizer();
    const usage: Usage = {
      inputTokens: tokenizer.countRequestTokens(this.request),
      outputTokens: tokenizer.countTokens(this.generated),
      cachedInputTokens: 0,
      estimated: true,
    };
    this.final = { usage, wire: toWireUsage(usage) };
    return this.final;
  }
}
