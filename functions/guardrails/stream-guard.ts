/**
 * Output guardrails on a streamed answer, chunk by chunk, without buffering the stream.
 *
 * - Only FLAG rules (and nothing to restore): chunks pass through untouched, with no added
 *   latency; their text is kept (up to FLAG_SCAN_CHARS) and scanned when the stream ends.
 * - REDACT / BLOCK rules or restored placeholders: each choice's text goes through a sliding
 *   window. Text leaves it once no match can still grow across it (./stream-hold.ts): prose
 *   leaves at each word boundary, a run of tokens that could be part of a match (digits,
 *   symbols, upper-case groups) is held until an ordinary word ends it, and a match that reaches
 *   into the held tail is held whole. So a value split across chunks ("jane.do" +
 *   "e@example.com") is still redacted, and prose arrives one word late at most (measured in
 *   bench/guardrails.ts). No more than HOLD_CHARS are held: a match longer than that (a PEM
 *   block, a long token) can only be caught by the part of it inside the window. BLOCK ends the
 *   stream before the match with finish_reason "content_filter".
 *
 * Placeholders the input stage wrote are restored first, then the restored text is scanned.
 */
import type { ChatCompletionChunk, ChunkChoice } from "../protocols/openai/chat.ts";
import { addFindings, type GuardrailDecision } from "./decisions.ts";
import type { DetectorId } from "./detectors/types.ts";
import type { DetectorRule } from "./policies.ts";
import { MAX_PLACEHOLDER_CHARS, type Redactor } from "./redaction.ts";
import { disjointSpans, type RuledFinding, scanText } from "./scan.ts";
import { holdFrom } from "./stream-hold.ts";

/** The most a window holds: a match longer than this is only seen in part. */
export const HOLD_CHARS = 64;
/** Sent text kept as context for the next scan (PHONE looks 24 characters back for "tel"). */
const CONTEXT_CHARS = 32;
const FLAG_SCAN_CHARS = 1_000_000;

export interface StreamGuardOptions {
  rules: readonly DetectorRule[];
  redactor: Redactor;
  decisions: GuardrailDecision[];
}

export function guardStream(
  chunks: AsyncIterable<ChatCompletionChunk>,
  options: StreamGuardOptions,
): AsyncIterable<ChatCompletionChunk> {
  const rewrites =
    options.redactor.restoresAny || options.rules.some((rule) => rule.action !== "FLAG");
  return rewrites ? windowed(chunks, options) : flagged(chunks, options);
}

async function* flagged(
  chunks: AsyncIterable<ChatCompletionChunk>,
  { rules, decisions }: StreamGuardOptions,
): AsyncGenerator<ChatCompletionChunk> {
  const texts = new Map<number, string>();
  let kept = 0;
  try {
    for await (const chunk of chunks) {
      for (const choice of chunk.choices) {
        const content = choice.delta.content;
        if (!content || kept >= FLAG_SCAN_CHARS) continue;
        kept += content.length;
        texts.set(choice.index, (texts.get(choice.index) ?? "") + content);
      }
      yield chunk;
    }
  } finally {
    for (const text of texts.values()) {
      addFindings(decisions, "OUTPUT", scanText(text, rules, { fromTool: false }));
    }
  }
}

interface Window {
  /** Text not yet restored: it may end in half a placeholder. */
  raw: string;
  /** Restored text not yet sent. */
  pending: string;
  /** The last CONTEXT_CHARS of restored text sent. */
  sent: string;
}

async function* windowed(
  chunks: AsyncIterable<ChatCompletionChunk>,
  options: StreamGuardOptions,
): AsyncGenerator<ChatCompletionChunk> {
  const windows = new Map<number, Window>();
  // Only detectors that rewrite or block need text held back; FLAG counts what leaves.
  const held = new Set(
    options.rules.filter((rule) => rule.action !== "FLAG").map((rule) => rule.detector),
  );
  let last: ChatCompletionChunk | null = null;
  for await (const chunk of chunks) {
    last = chunk;
    for (const choice of chunk.choices) {
      const window = windows.get(choice.index) ?? { raw: "", pending: "", sent: "" };
      windows.set(choice.index, window);
      const final = choice.finish_reason !== null;
      if (choice.delta.content) window.raw += choice.delta.content;
      const released = release(window, final, options, held);
      if (released.blocked) {
        yield blockedChunk(chunk, choice, released.text);
        return;
      }
      if (choice.delta.content !== undefined && choice.delta.content !== null) {
        choice.delta.content = released.text;
      } else if (released.text) {
        choice.delta.content = released.text;
      }
      if (final) windows.delete(choice.index);
    }
    yield chunk;
  }
  // A stream that ended without a finish_reason still gets the text its window held.
  for (const [index, window] of windows) {
    const released = release(window, true, options, held);
    if (!last || (!released.text && !released.blocked)) continue;
    yield {
      ...last,
      usage: undefined,
      choices: [
        {
          index,
          delta: { content: released.text },
          finish_reason: released.blocked ? "content_filter" : null,
        },
      ],
    };
  }
}

function release(
  window: Window,
  final: boolean,
  { rules, redactor, decisions }: StreamGuardOptions,
  held: ReadonlySet<DetectorId>,
): { text: string; blocked: boolean } {
  // Move complete placeholders (restored) into pending; keep a possibly cut one in raw.
  const open = final ? -1 : window.raw.lastIndexOf("[");
  const keepRaw =
    open >= 0 &&
    window.raw.length - open < MAX_PLACEHOLDER_CHARS &&
    !window.raw.includes("]", open);
  const complete = keepRaw ? window.raw.slice(0, open) : window.raw;
  window.raw = keepRaw ? window.raw.slice(open) : "";
  window.pending += redactor.restore(complete);

  const text = window.pending;
  // Text already sent is scanned again as context only (a "phone:" before a number, a word
  // boundary a pattern looks behind for); a match starting in it has left already.
  const context = window.sent;
  const findings = scanText(context + text, rules, { fromTool: false }).flatMap((finding) =>
    finding.start < context.length
      ? []
      : [{ ...finding, start: finding.start - context.length, end: finding.end - context.length }],
  );
  let cut = final ? text.length : Math.max(holdFrom(text, held), text.length - HOLD_CHARS, 0);
  // A match that reaches past the cut is held whole (twice: pulling the cut back may land it
  // inside an earlier match).
  for (let pass = 0; pass < 2; pass++) {
    for (const finding of findings) {
      if (finding.start < cut && finding.end > cut) cut = finding.start;
    }
  }
  const leaving = findings.filter((finding) => finding.end <= cut);
  addFindings(decisions, "OUTPUT", leaving);
  const block = leaving.find((finding) => finding.action === "BLOCK");
  const end = block ? block.start : cut;
  const redact = leaving.filter(
    (finding): finding is RuledFinding => finding.action === "REDACT" && finding.end <= end,
  );
  window.pending = text.slice(cut);
  window.sent = (context + text.slice(0, cut)).slice(-CONTEXT_CHARS);
  return { text: redactor.redact(text.slice(0, end), disjointSpans(redact)), blocked: !!block };
}

function blockedChunk(
  chunk: ChatCompletionChunk,
  choice: ChunkChoice,
  text: string,
): ChatCompletionChunk {
  return {
    ...chunk,
    usage: undefined,
    choices: [{ index: choice.index, delta: { content: text }, finish_reason: "content_filter" }],
  };
}
