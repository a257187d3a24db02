/**
 * Response headers from the limits stage: OpenAI's `x-ratelimit-*` triples (so SDKs and clients
 * written for OpenAI pace themselves unchanged) and `x-switchyard-budget-remaining-usd`, the
 * tightest budget above the caller (DESIGN.md, "Response headers").
 */
import type { Headroom, LimitsReport } from "../limits/limits-report.ts";
import { nanoUsdToUsd } from "./pricing.ts";

/**
 * An answer's headers as plain data, names lower-case. Every runtime takes a record as a
 * Response's headers; on Node the listener then writes it as it is, where a Headers object would
 * be validated entry by entry, then walked (sorted) into a record again: about 2.5% of a call's
 * CPU under load with the limit headers on.
 */
export type HeaderRecord = Record<string, string>;

export function setLimitHeaders(headers: HeaderRecord, report: LimitsReport | null): void {
  if (report === null) return;
  if (report.requests) setTriple(headers, "requests", report.requests);
  if (report.tokens) setTriple(headers, "tokens", report.tokens);
  if (report.budgetLeftNanoUsd !== null) {
    headers["x-switchyard-budget-remaining-usd"] = nanoUsdToUsd(
      Math.max(0, report.budgetLeftNanoUsd),
    ).toFixed(9);
  }
}

function setTriple(headers: HeaderRecord, unit: "requests" | "tokens", headroom: Headroom): void {
  headers[`x-ratelimit-limit-${unit}`] = String(headroom.limit);
  headers[`x-ratelimit-remaining-${unit}`] = String(Math.max(0, headroom.remaining));
  headers[`x-ratelimit-reset-${unit}`] = formatReset(headroom.resetMs);
}

/** OpenAI writes resets as durations: "20ms", "1s", "6m0s". */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
