/**
 * What the settle stage tells operations about each call, in one place: one JSON log line, the
 * Prometheus metrics, and a trace when OTLP is configured. The settle stage calls callSettled once
 * per call; nothing here may fail the call, so a fault is logged and dropped.
 */
import type { CallContext } from "../gateway/call-context.ts";
import type { Logger } from "../log.ts";
import { type CallSummary, summarizeCall } from "./call-summary.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.ts";
import { type CallTracer, noTracing } from "./tracing.ts";

export interface CallObserver {
  callSettled(call: CallContext): void;
  readonly metrics: GatewayMetrics;
  readonly tracer: CallTracer;
}

export function createCallObserver(options: {
  log: Logger;
  clock: () => number;
  tracer?: CallTracer;
}): CallObserver {
  const { log, clock } = options;
  const metrics = createGatewayMetrics();
  const tracer = options.tracer ?? noTracing;
  return {
    metrics,
    tracer,
    callSettled(call) {
      try {
        const finishedAt = clock();
        const summary = summarizeCall(call, finishedAt);
        metrics.record(summary);
        log.info("gateway call", requestLine(summary));
        tracer.traceCall(summary, finishedAt);
      } catch (error) {
        log.error("call observer failed", { requestId: call.requestId, error });
      }
    },
  };
}

/** The request line: identifiers and numbers only (no prompt, no answer, no secret). */
export function requestLine(call: CallSummary): Record<string, unknown> {
  return {
    requestId: call.requestId,
    endpoint: call.endpoint,
    orgId: call.orgId,
    keyPrefix: call.keyPrefix,
    requestedModel: call.requestedModel,
    model: call.model,
    provider: call.provider,
    routeAlias: call.routeAlias,
    status: call.status,
    error: call.error,
    stream: call.stream,
    cacheHit: call.cacheHit,
    refusedBy: call.refusedBy,
    latencyMs: call.latencyMs,
    inputTokens: call.inputTokens,
    outputTokens: call.outputTokens,
    costNanoUsd: call.costNanoUsd,
    attempts: call.attempts.length,
  };
}
