/**
 * The client's error when no deployment answered: every deployment tried or skipped, and why, in
 * the OpenAI error body's message (DESIGN.md: "502/503/504 when every deployment failed (body
 * says which were tried)"). A request the upstream rejected as invalid is the client's to fix
 * (400/404/413 pass through); everything else is the gateway's side.
 */
import type { ProviderError } from "../../providers/types.ts";
import type { Deployment } from "../../routing/model-directory.ts";
import { GatewayError } from "../errors.ts";

export interface AttemptFailure {
  deployment: Deployment;
  error: ProviderError;
}

/**
 * A deployment not called: its circuit is open, its provider cannot serve a feature the request
 * uses, or its Retry-After ends past the deadline.
 */
export interface Skip {
  deployment: Deployment;
  skipped: string;
  /** When it may be called again, if known. */
  retryAfterMs?: number;
  /** For a capability the provider lacks: the 400 the client gets if no deployment has it. */
  refusal?: ProviderError;
}

export type Miss = AttemptFailure | Skip;

export function gatewayErrorFor(
  misses: readonly Miss[],
  deadline: { deadlineMs: number; passed: boolean } | null = null,
): GatewayError {
  const failures = misses.filter((miss): miss is AttemptFailure => "error" in miss);
  const last = failures.at(-1);
  if (last) {
    const passedThrough = clientError(last);
    if (passedThrough) return passedThrough;
  }
  const tried = misses.map(describe).join("; ");
  // Every deployment lacks a feature the request uses: the client must change the request.
  const refusal = misses[0] && "refusal" in misses[0] ? misses[0].refusal : undefined;
  if (!last && refusal && misses.every((miss) => "refusal" in miss && miss.refusal)) {
    return new GatewayError("invalid_request", `No deployment can serve this request (${tried}).`, {
      param: refusal.param,
    });
  }
  if (deadline?.passed) {
    return new GatewayError(
      "upstream_timeout",
      `No deployment answered within the request deadline of ${deadline.deadlineMs} ms (${tried}).`,
    );
  }
  if (!last) {
    if (misses.length === 0) {
      return new GatewayError("upstream_unavailable", "No deployment is configured.");
    }
    return new GatewayError("upstream_unavailable", `No deployment could be called (${tried}).`, {
      retryAfterSeconds: soonestRetryMs(misses) / 1000,
    });
  }
  const message = `Every deployment failed (${tried}).`;
  const { error } = last;
  if (error.kind === "timeout") return new GatewayError("upstream_timeout", message);
  if (error.status === 429 || error.status === 503 || failures.length < misses.length) {
    const retryMs = soonestRetryMs(misses);
    return new GatewayError("upstream_unavailable", message, {
      retryAfterSeconds: retryMs > 0 ? retryMs / 1000 : undefined,
    });
  }
  return new GatewayError("upstream_error", message);
}

function clientError({ deployment, error }: AttemptFailure): GatewayError | null {
  if (error.kind !== "upstream_http" || error.retryable) return null;
  const detail = `${deployment.label}: ${error.message}`;
  if (error.status === 400 || error.status === 422) {
    return new GatewayError("invalid_request", detail, { param: error.param });
  }
  if (error.status === 404) return new GatewayError("model_not_found", detail);
  if (error.status === 413) return new GatewayError("body_too_large", detail);
  return null;
}

function describe(miss: Miss): string {
  if ("skipped" in miss) return `${miss.deployment.label}: skipped, ${miss.skipped}`;
  const { error } = miss;
  const status = error.kind === "upstream_http" ? `HTTP ${error.status}: ` : "";
  return `${miss.deployment.label}: ${status}${error.message}`;
}

/** The earliest moment a missed deployment said it may be called again (0 when none said). */
function soonestRetryMs(misses: readonly Miss[]): number {
  const hints = misses.flatMap((miss) => {
    const ms = "error" in miss ? miss.error.retryAfterMs : miss.retryAfterMs;
    return ms === null || ms === undefined ? [] : [ms];
  });
  return hints.length === 0 ? 0 : Math.min(...hints);
}
