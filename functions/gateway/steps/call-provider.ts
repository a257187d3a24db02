/**
 * Stage 7b–8: call the deployments in order until one answers. A failure the route's `fallbackOn`
 * names (default: timeout, 5xx, 429, network; routing/fallback.ts) moves on to the next
 * deployment; anything else ends the call. Once a stream
 * has started there is no fallback: the client already has the first bytes.
 */
import type { Logger } from "../../log.ts";
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import { adapterFor } from "../../providers/index.ts";
import { type ChatOutcome, ProviderError } from "../../providers/types.ts";
import { DEFAULT_FALLBACK_ON, shouldFallBack } from "../../routing/fallback.ts";
import type { Deployment } from "../../routing/model-directory.ts";
import type { CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";

const DEFAULT_TIMEOUT_MS = 120_000;

export interface CallOptions {
  fetch: typeof fetch;
  requestId: string;
  clientSignal: AbortSignal | undefined;
  /** Where an adapter's unexpected failure (a bug, not an upstream answer) is reported. */
  log: Logger;
}

export interface AttemptFailure {
  deployment: Deployment;
  error: ProviderError;
}

/**
 * Tries each deployment in turn, recording every attempt in the call context; the one that
 * answers becomes `call.served`, and its usage becomes the call's.
 */
export async function callWithFallback(
  call: CallContext,
  deployments: readonly Deployment[],
  request: ChatCompletionRequest,
): Promise<ChatOutcome> {
  const { services } = call;
  const options: CallOptions = {
    fetch: services.fetch,
    requestId: call.requestId,
    clientSignal: call.request.signal,
    log: services.log,
  };
  const fallbackOn = call.route?.route?.fallbackOn ?? DEFAULT_FALLBACK_ON;
  const failures: AttemptFailure[] = [];
  for (const deployment of deployments) {
    const startedAt = services.clock();
    try {
      const outcome = await callOnce(deployment, request, options);
      const latencyMs = services.clock() - startedAt;
      call.attempts.push({ deployment, status: 200, error: null, latencyMs });
      call.served = deployment;
      const usage = outcome.kind === "complete" ? outcome.usage : null;
      call.usage = outcome.kind === "complete" ? () => usage : outcome.usage;
      return outcome;
    } catch (error) {
      if (!(error instanceof ProviderError)) logUnexpected(error, deployment, options);
      const failure = asProviderError(error);
      const latencyMs = services.clock() - startedAt;
      const status = failure.kind === "upstream_http" ? failure.status : null;
      call.attempts.push({ deployment, status, error: failure.kind, latencyMs });
      failures.push({ deployment, error: failure });
      if (!shouldFallBack(failure, fallbackOn)) break;
    }
  }
  throw gatewayErrorFor(failures);
}

async function callOnce(
  deployment: Deployment,
  request: ChatCompletionRequest,
  options: CallOptions,
): Promise<ChatOutcome> {
  const adapter = adapterFor(deployment.target.kind);
  if (!adapter) {
    throw new ProviderError({
      kind: "misconfigured",
      message: `provider kind '${deployment.target.kind}' has no adapter`,
      status: 500,
      retryable: true,
    });
  }
  // The timeout bounds the wait for the answer to begin, not the length of a stream.
  const controller = new AbortController();
  const timeoutMs = timeoutOf(deployment);
  const timer = setTimeout(
    () => controller.abort(new DOMException("upstream timed out", "TimeoutError")),
    timeoutMs,
  );
  const onClientAbort = () => controller.abort(options.clientSignal?.reason);
  options.clientSignal?.addEventListener("abort", onClientAbort, { once: true });
  try {
    return await adapter.chatCompletion(request, deployment.target, {
      signal: controller.signal,
      fetch: options.fetch,
      requestId: options.requestId,
    });
  } finally {
    clearTimeout(timer);
  }
}

function timeoutOf(deployment: Deployment): number {
  if (deployment.timeoutMs) return deployment.timeoutMs;
  const configured = deployment.target.config.timeoutMs;
  return typeof configured === "number" && configured > 0 ? configured : DEFAULT_TIMEOUT_MS;
}

/**
 * Adapters fail with a ProviderError; anything else is a defect in the adapter (or an input it
 * could not handle) that the client only sees as a 502, so the cause must reach the log.
 */
function logUnexpected(error: unknown, deployment: Deployment, options: CallOptions): void {
  options.log.error("provider adapter failed unexpectedly", {
    requestId: options.requestId,
    deployment: deployment.label,
    error,
    stack: error instanceof Error ? error.stack?.split("\n").slice(0, 8).join("\n") : undefined,
  });
}

function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  return new ProviderError({
    kind: "bad_response",
    message: "the provider adapter failed unexpectedly",
    status: 502,
    retryable: true,
    cause: error,
  });
}

/**
 * The client's error when no deployment answered. A request the upstream rejected as invalid is
 * the client's to fix (400/404/413 pass through); everything else is the gateway's side (5xx),
 * and the message lists what was tried.
 */
export function gatewayErrorFor(failures: readonly AttemptFailure[]): GatewayError {
  const last = failures.at(-1);
  if (!last) return new GatewayError("upstream_unavailable", "No deployment is configured.");
  const { error, deployment } = last;
  const tried = failures.map((failure) => failure.deployment.label).join(", ");
  const detail = `${deployment.label}: ${error.message}`;
  if (error.kind === "upstream_http" && !error.retryable) {
    if (error.status === 400 || error.status === 422) {
      return new GatewayError("invalid_request", detail, { param: error.param });
    }
    if (error.status === 404) return new GatewayError("model_not_found", detail);
    if (error.status === 413) return new GatewayError("body_too_large", detail);
  }
  const message = `Every deployment failed (tried ${tried}). Last error from ${detail}`;
  if (error.kind === "timeout") return new GatewayError("upstream_timeout", message);
  if (error.status === 429 || error.status === 503) {
    const retryAfterSeconds = error.retryAfterMs === null ? undefined : error.retryAfterMs / 1000;
    return new GatewayError("upstream_unavailable", message, { retryAfterSeconds });
  }
  return new GatewayError("upstream_error", message);
}
