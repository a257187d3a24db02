/**
 * The circuit breaker of a deployment, as decisions over the state every instance shares
 * (./health-store.ts keeps it in Redis). Defaults follow Envoy's outlier detection (5
 * consecutive gateway failures eject a host for 30 s) and Hystrix' failure-rate rule (at least
 * 20 calls in a 10 s window, half of them failed). After the ejection one caller, and only one,
 * probes the deployment; its success closes the circuit, its failure ejects it again.
 */
import type { ProviderError } from "../../providers/types.ts";

export interface BreakerSettings {
  consecutiveFailures: number;
  windowMs: number;
  windowMinRequests: number;
  failureRatePercent: number;
  ejectionMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = {
  consecutiveFailures: 5,
  windowMs: 10_000,
  windowMinRequests: 20,
  failureRatePercent: 50,
  ejectionMs: 30_000,
};

/** What the shared state says of a deployment at one moment. */
export interface BreakerState {
  open: boolean;
  /** End of the ejection (epoch ms); 0 when closed. */
  openUntil: number;
  /** End of the running probe's lease (epoch ms); 0 when none. */
  probeUntil: number;
}

export const CLOSED: BreakerState = { open: false, openUntil: 0, probeUntil: 0 };

/**
 * closed: call it. open: skip it, without a network call. half_open: the ejection is over and
 * nobody probes it yet; call it only after winning the probe (HealthStore.claimProbe).
 */
export type BreakerVerdict = "closed" | "open" | "half_open";

export function breakerVerdict(state: BreakerState, now: number): BreakerVerdict {
  if (!state.open) return "closed";
  if (now < state.openUntil || now < state.probeUntil) return "open";
  return "half_open";
}

/**
 * How an attempt counts for the breaker. A failure is the deployment's own (5xx, no connection,
 * timeout, an answer that is not the wire format). A refusal of the request (400, 401, 404)
 * shows the deployment is up. A 429 says "not now" without saying "unhealthy", and a call the
 * client abandoned says nothing, so both are neutral.
 */
export type AttemptOutcome = "success" | "failure" | "neutral";

export function outcomeOf(error: ProviderError | null): AttemptOutcome {
  if (error === null) return "success";
  switch (error.kind) {
    case "network":
    case "timeout":
    case "bad_response":
      return "failure";
    case "upstream_http":
      if (error.status === 429) return "neutral";
      return error.status >= 500 || error.status === 408 ? "failure" : "success";
    case "aborted":
    case "misconfigured":
      return "neutral";
  }
}
