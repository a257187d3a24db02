/**
 * Prompt-injection signals, scored. Each signal found adds its weight under a noisy-OR
 * (score = 1 − Π(1 − weight)), so two weak signals together count for more than either, and no
 * score exceeds 1. The text is flagged when the score reaches INJECTION_THRESHOLD; every finding
 * carries the score and the names of the signals that matched.
 *
 * Tool output (`role: "tool"` messages) is content the model did not get from its user: an
 * instruction there is a stronger sign, so tool-output signals weigh double in it.
 */
import { Buffer } from "node:buffer";
import {
  BASE64_BLOB,
  BIDI_CONTROLS,
  HIDDEN_INSTRUCTION_WEIGHT,
  HIDDEN_TEXT_WEIGHT,
  HTML_COMMENT,
  INVISIBLE,
  PHRASE_SIGNALS,
} from "./injection-signals.ts";
import type { Finding } from "./types.ts";

export const INJECTION_THRESHOLD = 0.5;
/** Decoding every base64 run of a huge prompt is wasted work: the first few tell. */
const MAX_BASE64_DECODES = 32;

export interface InjectionOptions {
  /** The text came from a tool result rather than from the user. */
  fromTool?: boolean;
}

interface Hit {
  signal: string;
  weight: number;
  start: number;
  end: number;
}

export function detectInjection(text: string, options: InjectionOptions = {}): Finding[] {
  const hits = [...phraseHits(text, options), ...hiddenTextHits(text)];
  if (hits.length === 0) return [];
  const weights = new Map<string, number>();
  for (const hit of hits)
    weights.set(hit.signal, Math.max(weights.get(hit.signal) ?? 0, hit.weight));
  const score = 1 - [...weights.values()].reduce((rest, weight) => rest * (1 - weight), 1);
  if (score < INJECTION_THRESHOLD) return [];
  const signals = [...weights.keys()].sort();
  const rounded = Math.round(score * 1000) / 1000;
  return hits.map((hit) => ({
    detector: "INJECTION",
    start: hit.start,
    end: hit.end,
    signals,
    score: rounded,
  }));
}

/** Lowest-level phrase scan, also used on decoded hidden content. */
export function readsAsInstruction(text: string): boolean {
  // search() ignores and keeps lastIndex: a shared global regex carries no state between calls.
  return PHRASE_SIGNALS.some((signal) => text.search(signal.pattern) >= 0);
}

/** Each signal's pattern, anchored (sticky) so it is tried only where `starts` found a first word. */
const ANCHORED = PHRASE_SIGNALS.map((signal) => new RegExp(signal.pattern.source, "iuy"));

function phraseHits(text: string, options: InjectionOptions): Hit[] {
  const hits: Hit[] = [];
  PHRASE_SIGNALS.forEach(({ name, weight, starts }, index) => {
    const anchored = ANCHORED[index];
    if (!anchored) return;
    const scaled = name === "tool_output_instruction" && options.fromTool ? weight * 2 : weight;
    let reached = 0;
    for (const start of text.matchAll(starts)) {
      if (start.index < reached) continue;
      anchored.lastIndex = start.index;
      const match = anchored.exec(text);
      if (!match) continue;
      reached = start.index + match[0].length;
      hits.push({ signal: name, weight: scaled, start: start.index, end: reached });
    }
  });
  return hits;
}

function hiddenTextHits(text: string): Hit[] {
  const hits: Hit[] = [];
  for (const match of text.matchAll(INVISIBLE)) {
    hits.push(hiddenAt(match, "zero_width_characters", HIDDEN_TEXT_WEIGHT));
  }
  for (const match of text.matchAll(BIDI_CONTROLS)) {
    hits.push(hiddenAt(match, "bidi_control_characters", HIDDEN_TEXT_WEIGHT));
  }
  if (text.includes("<!--")) {
    for (const match of text.matchAll(HTML_COMMENT)) {
      if (readsAsInstruction(match[0])) {
        hits.push(hiddenAt(match, "html_comment_instruction", HIDDEN_INSTRUCTION_WEIGHT));
      }
    }
  }
  let decodes = 0;
  for (const match of text.matchAll(BASE64_BLOB)) {
    if (decodes++ >= MAX_BASE64_DECODES) break;
    const decoded = Buffer.from(match[0], "base64").toString("utf8");
    if (readsAsInstruction(decoded)) {
      hits.push(hiddenAt(match, "base64_instruction", HIDDEN_INSTRUCTION_WEIGHT));
    }
  }
  return hits;
}

function hiddenAt(match: RegExpExecArray, signal: string, weight: number): Hit {
  return { signal, weight, start: match.index, end: match.index + match[0].length };
}
