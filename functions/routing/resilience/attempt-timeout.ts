/**
 * How long one attempt waits for its answer to begin, most specific first: the route
 * deployment's `timeoutMs`, its provider record's `config.timeoutMs`, the provider kind's
 * default (the descriptor's `defaultTimeoutMs`: longer for reasoning-heavy APIs, shorter for fast
 * hosts), then the gateway's. The request's deadline bounds it further (steps/call-provider.ts).
 * Pure; the kind's default is looked up through `kindDefault` so tests can inject one.
 */
import type { Deployment } from "../model-directory.ts";

/** A deployment's wait for its answer to begin when nothing more specific says. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 120_000;

export function attemptTimeoutMs(
  deployment: Deployment,
  kindDefault: (kind: string) => number | undefined,
): number {
  if (isPositive(deployment.timeoutMs)) return deployment.timeoutMs;
  const configured = deployment.target.config.timeoutMs;
  if (isPositive(configured)) return configured;
  const byKind = kindDefault(deployment.target.kind);
  return isPositive(byKind) ? byKind : DEFAULT_ATTEMPT_TIMEOUT_MS;
}

function isPositive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}
