/**
 * Gemini stream chunks → OpenAI chunks, one chunk at a time (pure state machine; the I/O is in
 * stream.ts). Each SSE event of `:streamGenerateContent?alt=sse` is a GenerateContentResponse
 * holding what each candidate generated since the last one; the candidate's last chunk carries
 * its finishReason, and usageMetadata rides along, with the output counted only in the last.
 * There is no end marker: the body ends.
 *
 * Text becomes `content`, thought summaries `reasoning_content`, each functionCall (always whole
 * in one chunk) one `tool_calls` entry with its complete arguments. The first delta of a
 * candidate carries `role: "assistant"`, as OpenAI's first chunk does.
 */
import type {
  ChatCompletionChunk,
  ChunkDelta,
  FinishReason,
  StreamIdentity,
} from "../../protocols/openai/chat.ts";
import type { Usage } from "../types.ts";
import { mapFinishReason } from "./finish-reason.ts";
import { sortParts } from "./parts.ts";
import { toUsage } from "./usage.ts";
import type { GenerateContentResponse } from "./wire.ts";

interface CandidateState {
  started: boolean;
  toolCalls: number;
  finished: boolean;
}

export class GeminiStreamTranslator {
  private identity: StreamIdentity;
  private reported: Usage | null = null;
  private readonly candidates = new Map<number, CandidateState>();
  private calls = 0;
  private blocked = false;

  constructor(
    defaults: StreamIdentity,
    private readonly requestId: string,
    /** How many candidates the request asked for (`n`): the stream is complete when all end. */
    private readonly expectedCandidates: number,
  ) {
    this.identity = { ...defaults };
  }

  get streamIdentity(): StreamIdentity {
    return this.identity;
  }

  /** The usage reported so far; null before any report. */
  usage(): Usage | null {
    return this.reported;
  }

  /** Whether every candidate has finished (or the prompt was blocked): the stream may end. */
  complete(): boolean {
    if (this.blocked) return true;
    let finished = 0;
    for (const state of this.candidates.values()) if (state.finished) finished++;
    return finished >= this.expectedCandidates;
  }

  step(chunk: GenerateContentResponse): ChatCompletionChunk[] {
    if (chunk.modelVersion) this.identity = { ...this.identity, model: chunk.modelVersion };
    const out: ChatCompletionChunk[] = [];
    let finishing = false;
    const candidates = chunk.candidates ?? [];
    for (const [position, candidate] of candidates.entries()) {
      const index = candidate.index ?? position;
      const state = this.stateOf(index);
      const sorted = sortParts(candidate.content?.parts ?? [], this.requestId, () => this.calls++);
      const delta: ChunkDelta = {};
      if (!state.started) {
        state.started = true;
        delta.role = "assistant";
      }
      if (sorted.reasoning !== "") delta.reasoning_content = sorted.reasoning;
      if (sorted.text !== "") delta.content = sorted.text;
      if (sorted.calls.length > 0) {
        delta.tool_calls = sorted.calls.map((call) => ({
          index: state.toolCalls++,
          id: call.id,
          type: "function" as const,
          function: { name: call.function.name, arguments: call.function.arguments },
        }));
      }
      const finish = mapFinishReason(candidate.finishReason, state.toolCalls > 0);
      if (finish) {
        state.finished = true;
        finishing = true;
      }
      const hasContent = Object.keys(delta).some((key) => key !== "role");
      // A finishing chunk with content is sent as two, as OpenAI sends them: content, then an
      // empty delta with the finish reason.
      if (hasContent || delta.role) out.push(this.chunk(index, delta, null));
      if (finish) out.push(this.chunk(index, {}, finish));
    }
    if (candidates.length === 0 && chunk.promptFeedback?.blockReason) {
      this.blocked = true;
      out.push(this.chunk(0, { role: "assistant", content: "" }, null));
      out.push(this.chunk(0, {}, "content_filter"));
      finishing = true;
    }
    // Chunks before the last carry the prompt's count only (no candidatesTokenCount): taken as
    // the usage, a stream cut off after them would bill nothing generated. Only a count of the
    // output, or the finishing chunk's, is the usage; until then the tokenizer's estimate stands.
    const metadata = chunk.usageMetadata;
    if (metadata && (finishing || typeof metadata.candidatesTokenCount === "number")) {
      this.reported = toUsage(metadata);
    }
    return out;
  }

  private stateOf(index: number): CandidateState {
    let state = this.candidates.get(index);
    if (!state) {
      state = { started: false, toolCalls: 0, finished: false };
      this.candidates.set(index, state);
    }
    return state;
  }

  private chunk(
    index: number,
    delta: ChunkDelta,
    finish: FinishReason | null,
  ): ChatCompletionChunk {
    return {
      id: this.identity.id,
      object: "chat.completion.chunk",
      created: this.identity.created,
      model: this.identity.model,
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    };
  }
}
