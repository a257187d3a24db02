/**
 * The gateway's Prometheus metrics (prom-client), one registry per Services so two apps in one
 * process (tests, a bench) count apart. Recorded once per settled call from its CallSummary;
 * served by GET /metrics (metrics-route.ts). Labels are bounded: endpoint, provider and model
 * come from configuration, status and error from fixed sets; never an org, key or request id.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { breakerVerdict } from "../routing/health/circuit-breaker.ts";
import type { HealthStore } from "../routing/health/health-store.ts";
import type { Deployment } from "../routing/model-directory.ts";
import type { CallSummary } from "./call-summary.ts";

export interface GatewayMetrics {
  record(call: CallSummary): void;
  /**
   * The exposition text, and the content type to serve it with. Given the health store, the
   * circuit gauge is read from it first (one round trip for every deployment this instance knows).
   */
  exposition(health?: { store: HealthStore; now: number }): Promise<{
    text: string;
    contentType: string;
  }>;
}

/** The gauge's values, as Prometheus alerts compare them. */
export const CIRCUIT_STATE = { closed: 0, half_open: 1, open: 2 } as const;

/** Deployments kept for the circuit gauge: the most recently called, so the label set stays bounded. */
const MAX_KNOWN_DEPLOYMENTS = 500;

/** Seconds: from a cached answer to a long stream (maxDuration is 300 s). */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: "switchyard_requests_total",
    help: "Gateway calls, by endpoint, HTTP status, provider and model.",
    labelNames: ["endpoint", "status", "provider", "model"] as const,
    registers,
  });
  const errors = new Counter({
    name: "switchyard_request_errors_total",
    help: "Gateway calls that failed, by endpoint and error kind (cancelled: the client left).",
    labelNames: ["endpoint", "error"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "switchyard_request_duration_seconds",
    help: "Gateway call time, from the request to the end of the answer (a stream's last byte).",
    labelNames: ["endpoint", "stream"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const attemptDuration = new Histogram({
    name: "switchyard_provider_attempt_duration_seconds",
    help: "One try of one deployment, until its answer (a stream's first byte), by outcome.",
    labelNames: ["provider", "outcome"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const tokens = new Counter({
    name: "switchyard_tokens_total",
    help: "Tokens used by served calls, by provider, model and direction.",
    labelNames: ["provider", "model", "direction"] as const,
    registers,
  });
  const cost = new Counter({
    name: "switchyard_cost_usd_total",
    help: "What served calls cost at their org's prices, in USD.",
    labelNames: ["provider", "model"] as const,
    registers,
  });
  const cacheHits = new Counter({
    name: "switchyard_cache_hits_total",
    help: "Calls answered from the response cache.",
    labelNames: ["endpoint"] as const,
    registers,
  });
  const refusals = new Counter({
    name: "switchyard_limit_refusals_total",
    help: "Calls refused by a limit: budget or rate (requests, tokens, concurrency).",
    labelNames: ["limit"] as const,
    registers,
  });

  const circuits = new Gauge({
    name: "switchyard_deployment_circuit_state",
    help: "Circuit breaker of each deployment this instance called, read from the shared state at scrape time: 0 closed, 1 half-open, 2 open.",
    labelNames: ["deployment", "provider_id"] as const,
    registers,
  });
  // Keyed as the health store keys a deployment (provider id or name, and model).
  const known = new Map<string, Deployment>();
  let newest: Deployment | undefined;
  const remember = (deployment: Deployment) => {
    // Most calls try the deployment the previous call tried: it is already the newest entry.
    if (deployment === newest) return;
    newest = deployment;
    const id = `${deployment.providerId ?? `name:${deployment.providerName}`}:${deployment.target.model}`;
    known.delete(id);
    known.set(id, deployment);
    if (known.size > MAX_KNOWN_DEPLOYMENTS) {
      const oldest = known.keys().next().value;
      if (oldest !== undefined) known.delete(oldest);
    }
  };

  return {
    record(call) {
      const provider = call.provider ?? "";
      const model = call.model ?? "";
      requests.inc({ endpoint: call.endpoint, status: String(call.status), provider, model });
      if (call.error) errors.inc({ endpoint: call.endpoint, error: call.error });
      duration.observe(
        { endpoint: call.endpoint, stream: String(call.stream) },
        call.latencyMs / 1000,
      );
      for (const attempt of call.attempts) {
        remember(attempt.deployment);
        attemptDuration.observe(
          { provider: attempt.deployment.providerName, outcome: attempt.error ?? "ok" },
          attempt.latencyMs / 1000,
        );
      }
      if (call.inputTokens > 0)
        tokens.inc({ provider, model, direction: "input" }, call.inputTokens);
      if (call.outputTokens > 0) {
        tokens.inc({ provider, model, direction: "output" }, call.outputTokens);
      }
      if (call.costNanoUsd > 0) cost.inc({ provider, model }, call.costNanoUsd / 1e9);
      if (call.cacheHit) cacheHits.inc({ endpoint: call.endpoint });
      if (call.refusedBy) refusals.inc({ limit: call.refusedBy });
    },
    async exposition(health) {
      circuits.reset();
      if (health && known.size > 0) {
        const deployments = [...known.values()];
        // Redis unreachable: the scrape still answers, without the gauge (absent, not "closed").
        const states = await health.store.read(deployments, health.now).catch(() => []);
        for (const [index, deployment] of deployments.entries()) {
          const state = states[index];
          if (!state) continue;
          circuits.set(
            { deployment: deployment.label, provider_id: deployment.providerId ?? "" },
            CIRCUIT_STATE[breakerVerdict(state.breaker, health.now)],
          );
        }
      }
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
