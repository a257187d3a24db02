/**
 * The health side of one call's attempts: whether the breaker lets a deployment be called, the
 * in-flight mark while it is, and the outcome each attempt reports. Built over the health read
 * at the start of the call (one round trip); only a half-open deployment costs a second one, to
 * claim its single probe. Everything written goes out off the response path.
 */
import type { BackgroundTasks } from "../../background.ts";
import type { ProviderError } from "../../providers/types.ts";
import type { Deployment } from "../model-directory.ts";
import { breakerVerdict, outcomeOf } from "./circuit-breaker.ts";
import { type DeploymentHealth, type HealthStore, UNKNOWN_HEALTH } from "./health-store.ts";

export type Admission =
  | { admitted: true }
  /** Skipped without a network call; `retryAfterMs` is when its ejection ends. */
  | { admitted: false; retryAfterMs: number };

export interface DeploymentGuard {
  admit(deployment: Deployment, probeLeaseMs: number): Promise<Admission>;
  /** Marks a call in flight on `deployment`; the returned release is safe to call twice. */
  enter(deployment: Deployment, member: string): () => void;
  /**
   * Reports an attempt: `error` null for an answer. A failed attempt feeds the latency average
   * with at least its timeout, so a deployment that fails fast does not look fast.
   */
  report(
    deployment: Deployment,
    error: ProviderError | null,
    latencyMs: number,
    timeoutMs: number,
  ): void;
}

export function createDeploymentGuard(options: {
  store: HealthStore;
  health: ReadonlyMap<Deployment, DeploymentHealth>;
  clock: () => number;
  background: BackgroundTasks;
}): DeploymentGuard {
  const { store, clock, background } = options;
  return {
    async admit(deployment, probeLeaseMs) {
      const { breaker } = options.health.get(deployment) ?? UNKNOWN_HEALTH;
      const now = clock();
      const verdict = breakerVerdict(breaker, now);
      if (verdict === "closed") return { admitted: true };
      const retryAfterMs = Math.max(0, breaker.openUntil - now);
      if (verdict === "open") return { admitted: false, retryAfterMs };
      // Half-open: one caller in the whole fleet probes it; if Redis cannot say who, skip it.
      const won = await store.claimProbe(deployment, now, probeLeaseMs).catch(() => false);
      return won ? { admitted: true } : { admitted: false, retryAfterMs };
    },

    enter(deployment, member) {
      const entered = store.enter(deployment, member, clock());
      // Caught here so an unreachable Redis is not an unhandled rejection; leave() logs it.
      entered.catch(() => {});
      let released = false;
      return () => {
        if (released) return;
        released = true;
        // After enter() has landed, so the mark cannot outlive its release.
        background.run("deployment in-flight release", () =>
          entered.then(() => store.leave(deployment, member)),
        );
      };
    },

    report(deployment, error, latencyMs, timeoutMs) {
      const outcome = outcomeOf(error);
      const sample =
        outcome === "failure" ? Math.max(latencyMs, timeoutMs) : error === null ? latencyMs : null;
      const now = clock();
      background.run("deployment health", () =>
        store.record(deployment, { outcome, latencySampleMs: sample }, now),
      );
    },
  };
}
