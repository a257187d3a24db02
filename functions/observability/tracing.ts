/**
 * OpenTelemetry traces of gateway calls, exported over OTLP/HTTP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. Unset, nothing of OpenTelemetry is even imported: the
 * tracer is a function that returns. Set, the SDK is imported on the first call (otlp.ts) and
 * every settled call becomes one server span with a client span per provider attempt, named and
 * attributed by the GenAI semantic conventions (`chat gpt-4o-mini`, gen_ai.*).
 */
import type { Logger } from "../log.ts";
import type { CallSummary } from "./call-summary.ts";

export interface CallTracer {
  traceCall(call: CallSummary, finishedAt: number): void;
  /** Sends what is buffered (before an instance freezes or a process exits). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  endpoint: string | undefined;
  headers: Record<string, string>;
  serviceName: string;
  log: Logger;
  /** Hands the export to the platform (Vercel waitUntil), so a frozen instance loses no spans. */
  background?: (label: string, task: () => Promise<unknown>) => void;
}

export const noTracing: CallTracer = {
  traceCall: () => {},
  flush: async () => {},
  shutdown: async () => {},
};

export function createCallTracer(options: TracingOptions): CallTracer {
  const { endpoint } = options;
  if (!endpoint) return noTracing;
  let exporter: Promise<CallTracer> | undefined;
  const load = () => {
    exporter ??= import("./otlp.ts").then((otlp) =>
      otlp.createOtlpTracer({ ...options, endpoint }),
    );
    return exporter;
  };
  return {
    traceCall(call, finishedAt) {
      load().then(
        (tracer) => tracer.traceCall(call, finishedAt),
        (error: unknown) => options.log.error("tracing unavailable", { error }),
      );
    },
    flush: async () => (exporter ? (await exporter).flush() : undefined),
    shutdown: async () => (exporter ? (await exporter).shutdown() : undefined),
  };
}
