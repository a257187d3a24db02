/**
 * Response headers from the limits stage: OpenAI's `x-ratelimit-*` triples (so SDKs and clients
 * written for OpenAI pace themselves unchanged) and `x-switchyard-budget-remaining-usd`, the
 * tightest budget above the caller (DESIGN.md, "Response headers").
 */
import type { Headroom, LimitsReport } from "../limits/limits-report.ts";
import { nanoUsdToUsd } from "./pricing.ts";

export function setLimitHeaders(headers: Headers, report: LimitsReport | null): void {
  if (report === null) return;
  if (report.requests) setTriple(headers, "requests", report.requests);
  if (report.tokens) setTriple(headers, "tokens", report.tokens);
  if (report.budgetLeftNanoUsd !== null) {
    headers.set(
      "x-switchyard-budget-remaining-usd",
      nanoUsdToUsd(Math.max(0, report.budgetLeftNanoUsd)).toFixed(9),
    );
  }
}

function setTriple(headers: Headers, unit: "requests" | "tokens", headroom: Headroom): void {
  headers.set(`x-ratelimit-limit-${unit}`, String(headroom.limit));
  headers.set(`x-ratelimit-remaining-${unit}`, String(Math.max(0, headroom.remaining)));
  headers.set(`x-ratelimit-reset-${unit}`, formatReset(headroom.resetMs));
}

/** OpenAI writes resets as durations: "20ms", "1s", "6m0s". */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
