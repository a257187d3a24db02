/**
 * What an operator may know of one gateway call, read from its settled context: identifiers,
 * model, provider, outcome, timing, tokens and cost. Never a secret, never prompt or answer text:
 * the key appears as its display prefix (`sy-4kT9aQ2m`), as listings show it. Logs, metrics and
 * traces all read this, so they agree.
 */
import { presentedSecret } from "../auth/bearer.ts";
import type { Attempt, CallContext } from "../gateway/call-context.ts";
import { costOf, statusOf } from "../gateway/steps/settle.ts";

export interface CallSummary {
  requestId: string;
  endpoint: string;
  orgId: string | null;
  keyId: string | null;
  keyPrefix: string | null;
  /** What the client asked for, and what the served deployment was sent. */
  requestedModel: string | null;
  model: string | null;
  provider: string | null;
  routeAlias: string | null;
  /** The HTTP status the client got (499: it went away mid-stream; 0: not ended). */
  status: number;
  /** The gateway's error kind when the call failed, "cancelled" when the client left. */
  error: string | null;
  stream: boolean;
  cacheHit: boolean;
  /** `budget` or `rate` when a limit refused the call. */
  refusedBy: "budget" | "rate" | null;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costNanoUsd: number;
  attempts: readonly Attempt[];
}

/** A token's display prefix: its kind and the first 8 characters of its body. */
const PREFIX_BODY_CHARS = 8;

export function summarizeCall(call: CallContext, finishedAt: number): CallSummary {
  const served = call.served;
  const usage = call.usage();
  const end = call.end;
  return {
    requestId: call.requestId,
    endpoint: call.endpoint,
    orgId: call.principal?.orgId ?? null,
    keyId: call.principal?.keyId ?? null,
    keyPrefix: call.principal ? displayPrefix(presentedSecret(call.request.headers)) : null,
    requestedModel: call.requestedModel,
    model: served?.target.model ?? call.cache.hit?.model ?? null,
    provider: served?.providerName ?? call.cache.hit?.provider ?? null,
    routeAlias: call.route?.route?.alias ?? null,
    status: statusOf(end),
    error: end?.kind === "failed" ? end.error.kind : end?.kind === "cancelled" ? "cancelled" : null,
    stream: call.stream,
    cacheHit: call.cache.hit !== null,
    refusedBy:
      call.limits?.refusedBy?.kind === "budget" ? "budget" : call.limits?.refusedBy ? "rate" : null,
    latencyMs: Math.max(0, finishedAt - call.startedAt),
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.cachedInputTokens ?? 0,
    costNanoUsd: served && usage ? costOf(call, served, usage) : 0,
    attempts: call.attempts,
  };
}

function displayPrefix(secret: string | null): string | null {
  if (!secret) return null;
  const dash = secret.indexOf("-");
  if (dash <= 0) return null;
  return secret.slice(0, dash + 1 + PREFIX_BODY_CHARS);
}
