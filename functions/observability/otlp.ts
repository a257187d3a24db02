/**
 * The OpenTelemetry side of tracing.ts, imported only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 *
 * Spans are made when the call settles, from what its context recorded: the server span covers
 * the call (start to the last byte); each provider attempt gets a client span named
 * `{gen_ai.operation.name} {gen_ai.request.model}` with the GenAI attributes. Attempts record
 * their duration, not their start, so their spans are laid back to back ending where the call's
 * answer began (the call's end, or for a stream its first byte): durations are exact, starts are
 * placed. Never a prompt or an answer, so no gen_ai.input/output messages.
 */
import { type Attributes, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Attempt } from "../gateway/call-context.ts";
import type { CallSummary } from "./call-summary.ts";
import type { CallTracer, TracingOptions } from "./tracing.ts";

export function createOtlpTracer(options: TracingOptions & { endpoint: string }): CallTracer {
  const processor = new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({ url: tracesUrl(options.endpoint), headers: options.headers }),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer("switchyard");

  return {
    traceCall(call, finishedAt) {
      const startedAt = finishedAt - call.latencyMs;
      const server = tracer.startSpan(`POST ${call.endpoint}`, {
        kind: SpanKind.SERVER,
        startTime: startedAt,
        attributes: serverAttributes(call),
      });
      if (call.status >= 500 || call.error) {
        server.setStatus({ code: SpanStatusCode.ERROR, message: call.error ?? undefined });
      }
      const parent = trace.setSpan(ROOT_CONTEXT, server);
      const total = call.attempts.reduce((sum, attempt) => sum + attempt.latencyMs, 0);
      // Non-streamed: the answer ends the last attempt. Streamed: its first byte did.
      let at = call.stream ? startedAt + Math.max(0, call.latencyMs - total) : finishedAt - total;
      at = Math.max(startedAt, at);
      call.attempts.forEach((attempt, index) => {
        const served = index === call.attempts.length - 1 && attempt.error === null;
        const span = tracer.startSpan(
          `chat ${attempt.deployment.target.model}`,
          {
            kind: SpanKind.CLIENT,
            startTime: at,
            attributes: attemptAttributes(call, attempt, served),
          },
          parent,
        );
        if (attempt.error) span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.error });
        at += attempt.latencyMs;
        span.end(at);
      });
      server.end(finishedAt);
      // Off the response path, and kept alive by the platform where it freezes instances.
      options.background?.("traces export", () => processor.forceFlush());
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** The spec's rule: a signal-less endpoint gets `/v1/traces` appended. */
function tracesUrl(endpoint: string): string {
  return endpoint.endsWith("/v1/traces") ? endpoint : `${endpoint.replace(/\/$/, "")}/v1/traces`;
}

function serverAttributes(call: CallSummary): Attributes {
  const attributes: Attributes = {
    "http.request.method": "POST",
    "http.route": call.endpoint,
    "http.response.status_code": call.status,
    "switchyard.request_id": call.requestId,
    "switchyard.stream": call.stream,
    "switchyard.cache_hit": call.cacheHit,
    "switchyard.attempts": call.attempts.length,
    "switchyard.cost_usd": call.costNanoUsd / 1e9,
  };
  if (call.orgId) attributes["switchyard.org_id"] = call.orgId;
  if (call.keyPrefix) attributes["switchyard.key_prefix"] = call.keyPrefix;
  if (call.requestedModel) attributes["gen_ai.request.model"] = call.requestedModel;
  if (call.error) attributes["error.type"] = call.error;
  if (call.refusedBy) attributes["switchyard.refused_by"] = call.refusedBy;
  return attributes;
}

function attemptAttributes(call: CallSummary, attempt: Attempt, served: boolean): Attributes {
  const { target } = attempt.deployment;
  const attributes: Attributes = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": target.kind,
    "gen_ai.request.model": target.model,
    "switchyard.provider": attempt.deployment.providerName,
  };
  const host = hostOf(target.baseUrl);
  if (host) attributes["server.address"] = host;
  if (attempt.status !== null) attributes["http.response.status_code"] = attempt.status;
  if (attempt.error) attributes["error.type"] = attempt.error;
  if (served) {
    attributes["gen_ai.response.model"] = target.model;
    attributes["gen_ai.usage.input_tokens"] = call.inputTokens;
    attributes["gen_ai.usage.output_tokens"] = call.outputTokens;
  }
  return attributes;
}

function hostOf(baseUrl: string | null): string | null {
  if (!baseUrl) return null;
  try {
    return new URL(baseUrl).hostname;
  } catch {
    return null;
  }
}
