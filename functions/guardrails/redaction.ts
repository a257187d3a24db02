/**
 * Typed placeholders: `[EMAIL_1]`, `[CARD_2]`. One Redactor serves one call, so the same value
 * gets the same placeholder wherever it appears (the model can still tell two people apart), and
 * values marked for restoring can be put back into the answer.
 */
import type { DetectorId, Finding } from "./detectors/types.ts";

const LABELS: Record<DetectorId, string> = {
  EMAIL: "EMAIL",
  PHONE: "PHONE",
  PAYMENT_CARD: "CARD",
  IBAN: "IBAN",
  US_SSN: "SSN",
  IP_ADDRESS: "IP",
  SECRET: "SECRET",
  INJECTION: "INJECTION",
  TOPIC: "TOPIC",
};

/** Any placeholder this module writes; used to find them again in an answer. */
export const PLACEHOLDER = /\[(?:EMAIL|PHONE|CARD|IBAN|SSN|IP|SECRET|INJECTION|TOPIC)_\d{1,6}\]/g;
/** The longest placeholder, for buffers that must not cut one in half. */
export const MAX_PLACEHOLDER_CHARS = "[INJECTION_999999]".length;

export class Redactor {
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  /** Placeholder → original, only for values whose policy restores them. */
  private readonly restorable = new Map<string, string>();

  placeholderFor(detector: DetectorId, value: string, restore: boolean): string {
    const key = `${detector}\u0000${value}`;
    let placeholder = this.byValue.get(key);
    if (!placeholder) {
      const label = LABELS[detector];
      const n = (this.counters.get(label) ?? 0) + 1;
      this.counters.set(label, n);
      placeholder = `[${label}_${n}]`;
      this.byValue.set(key, placeholder);
    }
    if (restore) this.restorable.set(placeholder, value);
    return placeholder;
  }

  /** The text with each span replaced by its placeholder; spans must be disjoint and sorted. */
  redact(text: string, spans: readonly (Finding & { restore?: boolean })[]): string {
    if (spans.length === 0) return text;
    let out = "";
    let at = 0;
    for (const span of spans) {
      out += text.slice(at, span.start);
      out += this.placeholderFor(
        span.detector,
        text.slice(span.start, span.end),
        span.restore ?? false,
      );
      at = span.end;
    }
    return out + text.slice(at);
  }

  get restoresAny(): boolean {
    return this.restorable.size > 0;
  }

  /** Puts restorable originals back; other placeholders stay as they are. */
  restore(text: string): string {
    if (this.restorable.size === 0 || !text.includes("[")) return text;
    return text.replace(
      PLACEHOLDER,
      (placeholder) => this.restorable.get(placeholder) ?? placeholder,
    );
  }
}
