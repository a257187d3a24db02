/**
 * Stage 7b–8: call the deployments in order until one answers, within one deadline per request.
 *
 * - A failure the route's `fallbackOn` names (default: connection, timeout, 429, 5xx;
 *   routing/fallback.ts) moves on to the next deployment at once; anything else ends the call.
 * - Once every deployment has been tried, the ones that failed transiently are retried, after an
 *   exponential backoff with full jitter and never before their upstream's Retry-After, for up
 *   to MAX_RETRY_ROUNDS rounds. A wait that would end past the deadline is not waited.
 * - On a route, a deployment whose circuit is open, or whose provider cannot serve a feature the
 *   request uses (providers/capabilities.ts), is skipped without a network call; the request
 *   goes to the next one that can, and only when none can does the client get the 400 naming the
 *   parameter (a `<provider>/<model>` call gets it at once). Skips are in `call.skipped`, every
 *   attempt in `call.attempts`; every attempt feeds the shared health (routing/health) off the
 *   response path.
 * - Once a stream has started there is no fallback: the client already has the first bytes.
 */
import type { Logger } from "../../log.ts";
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import { unsupportedFeature, unsupportedFeatureError } from "../../providers/capabilities.ts";
import { adapterFor, descriptorOf } from "../../providers/index.ts";
import {
  type ChatOutcome,
  type NativeOutcome,
  type NativeRequest,
  ProviderError,
} from "../../providers/types.ts";
import { DEFAULT_FALLBACK_ON, failureClassOf, shouldFallBack } from "../../routing/fallback.ts";
import {
  createDeploymentGuard,
  type DeploymentGuard,
} from "../../routing/health/deployment-guard.ts";
import type { Deployment } from "../../routing/model-directory.ts";
import { attemptTimeoutMs } from "../../routing/resilience/attempt-timeout.ts";
import { fullJitterDelay, sleep } from "../../routing/resilience/backoff.ts";
import {
  DEADLINE_HEADER,
  type Deadline,
  deadlineMsOf,
  MAX_DEADLINE_MS,
  startDeadline,
} from "../../routing/resilience/deadline.ts";
import type { CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";
import { type AttemptFailure, gatewayErrorFor, type Miss, type Skip } from "./call-failures.ts";

export { gatewayErrorFor } from "./call-failures.ts";

/** Rounds of retries after the first pass over the deployments (0 = fallback only). */
export const MAX_RETRY_ROUNDS = 1;

interface Attempting {
  call: CallContext;
  request: ChatCompletionRequest;
  /** The client's request in its own protocol, for deployments that speak it (passthrough). */
  native: NativeRequest | null;
  deadline: Deadline;
  guard: DeploymentGuard | null;
  log: Logger;
}

type AttemptResult =
  | { kind: "answered"; outcome: ChatOutcome | NativeOutcome }
  | { kind: "missed"; miss: Miss; retry: boolean; stop: boolean };

/**
 * Tries the deployments as described above, recording every attempt in the call context; the
 * one that answers becomes `call.served`, and its usage becomes the call's. With `native`, a
 * deployment whose adapter speaks its protocol gets it untranslated (a NativeOutcome back); the
 * others get `request`.
 */
export async function callWithFallback(
  call: CallContext,
  deployments: readonly Deployment[],
  request: ChatCompletionRequest,
): Promise<ChatOutcome>;
export async function callWithFallback(
  call: CallContext,
  deployments: readonly Deployment[],
  request: ChatCompletionRequest,
  native: NativeRequest | null,
): Promise<ChatOutcome | NativeOutcome>;
export async function callWithFallback(
  call: CallContext,
  deployments: readonly Deployment[],
  request: ChatCompletionRequest,
  native: NativeRequest | null = null,
): Promise<ChatOutcome | NativeOutcome> {
  const { services } = call;
  const deadlineMs = deadlineMsOf(call.request.headers);
  if (!deadlineMs.ok) {
    throw new GatewayError(
      "invalid_request",
      `The ${DEADLINE_HEADER} header must be a whole number of milliseconds from 1 to ${MAX_DEADLINE_MS}.`,
    );
  }
  const health = call.health ? await call.health : null;
  const deadline = startDeadline(deadlineMs.ms, services.clock, call.request.signal);
  const attempting: Attempting = {
    call,
    request,
    native,
    deadline,
    log: services.log,
    guard: health
      ? createDeploymentGuard({
          store: services.health,
          health,
          clock: services.clock,
          background: services.background,
        })
      : null,
  };
  const misses: Miss[] = [];
  const skip = (miss: Skip) => {
    misses.push(miss);
    call.skipped.push({
      deployment: miss.deployment,
      reason: miss.skipped,
      afterAttempts: call.attempts.length,
    });
  };
  const notBefore = new Map<Deployment, number>();
  try {
    let candidates = [...deployments];
    for (let round = 0; round <= MAX_RETRY_ROUNDS && candidates.length > 0; round++) {
      if (round > 0) {
        const delay = fullJitterDelay(round, Math.random);
        if (delay >= deadline.remaining()) break;
        await sleep(delay, deadline.signal);
      }
      const retryLater: Deployment[] = [];
      for (const deployment of candidates) {
        if (deadline.expired()) break;
        const unservable = round === 0 ? capabilityGap(attempting, deployment) : null;
        if (unservable) {
          skip(unservable);
          continue;
        }
        const wait = (notBefore.get(deployment) ?? 0) - services.clock();
        if (wait >= deadline.remaining()) {
          // Its Retry-After ends past the deadline: waiting could only end in a timeout.
          skip({ deployment, skipped: "its Retry-After ends after the request deadline" });
          continue;
        }
        if (wait > 0) await sleep(wait, deadline.signal);
        const result = await attempt(attempting, deployment);
        if (result.kind === "answered") return result.outcome;
        if ("skipped" in result.miss) skip(result.miss);
        else misses.push(result.miss);
        if (result.stop) throw gatewayErrorFor(misses);
        if (result.retry) retryLater.push(deployment);
        const retryAfterMs = "error" in result.miss ? result.miss.error.retryAfterMs : null;
        if (retryAfterMs !== null) notBefore.set(deployment, services.clock() + retryAfterMs);
      }
      candidates = retryLater;
    }
  } catch (error) {
    // A backoff cut short by the deadline or the client ends the loop; anything else is thrown.
    if (!deadline.aborted() || error instanceof GatewayError) throw error;
  } finally {
    deadline.dispose();
  }
  throw gatewayErrorFor(misses, { deadlineMs: deadline.ms, passed: deadline.expired() });
}

async function attempt(attempting: Attempting, deployment: Deployment): Promise<AttemptResult> {
  const { call, deadline, guard } = attempting;
  const { services } = call;
  const timeoutMs = Math.max(1, Math.min(timeoutOf(deployment), deadline.remaining()));
  const admission = guard ? await guard.admit(deployment, timeoutMs) : { admitted: true as const };
  if (!admission.admitted) {
    const seconds = Math.ceil(admission.retryAfterMs / 1000);
    const skipped = `circuit open (deployment ejected after repeated failures${seconds > 0 ? `, for ${seconds} s more` : ""})`;
    return {
      kind: "missed",
      miss: { deployment, skipped, retryAfterMs: admission.retryAfterMs },
      retry: false,
      stop: false,
    };
  }
  const release = guard?.enter(deployment, `${call.requestId}:${call.attempts.length}`) ?? null;
  const startedAt = services.clock();
  try {
    const outcome = await callOnce(attempting, deployment, timeoutMs);
    const latencyMs = services.clock() - startedAt;
    call.attempts.push({ deployment, status: 200, error: null, latencyMs });
    guard?.report(deployment, null, latencyMs, timeoutMs);
    call.served = deployment;
    if (outcome.kind === "complete") {
      release?.();
      const usage = outcome.usage;
      call.usage = () => usage;
      return { kind: "answered", outcome };
    }
    call.usage = outcome.usage;
    if (!release) return { kind: "answered", outcome };
    if ("native" in outcome) {
      return {
        kind: "answered",
        outcome: { ...outcome, chunks: releasedAtEnd(outcome.chunks, release) },
      };
    }
    return {
      kind: "answered",
      outcome: { ...outcome, chunks: releasedAtEnd(outcome.chunks, release) },
    };
  } catch (error) {
    release?.();
    if (!(error instanceof ProviderError)) logUnexpected(error, deployment, attempting);
    const failure = asProviderError(error);
    const latencyMs = services.clock() - startedAt;
    const status = failure.kind === "upstream_http" ? failure.status : null;
    call.attempts.push({ deployment, status, error: failure.kind, latencyMs });
    guard?.report(deployment, failure, latencyMs, timeoutMs);
    // A feature refused by the adapter itself (before any network call) moves a route on too.
    const fallBack =
      shouldFallBack(failure, call.route?.route?.fallbackOn ?? DEFAULT_FALLBACK_ON) ||
      (call.route?.route != null && isCapabilityRefusal(failure));
    const miss: AttemptFailure = { deployment, error: failure };
    return { kind: "missed", miss, stop: !fallBack, retry: fallBack && isTransient(failure) };
  }
}

/**
 * Only a transient failure (connection, timeout, 429, 5xx) may pass on a retry. A refused prompt
 * would be refused again, and an answer that is not the wire format or a redirect is how the
 * deployment is, not a moment of it: those move on to the next deployment but are not retried.
 */
function isTransient(error: ProviderError): boolean {
  const failureClass = failureClassOf(error);
  return error.retryable && failureClass !== null && failureClass !== "context_window";
}

async function callOnce(
  attempting: Attempting,
  deployment: Deployment,
  timeoutMs: number,
): Promise<ChatOutcome | NativeOutcome> {
  const adapter = adapterFor(deployment.target.kind);
  if (!adapter) {
    throw new ProviderError({
      kind: "misconfigured",
      message: `provider kind '${deployment.target.kind}' has no adapter`,
      status: 500,
      retryable: true,
    });
  }
  const abort = attemptSignal(attempting, timeoutMs);
  const options = {
    signal: abort.signal,
    fetch: attempting.call.services.fetch,
    requestId: attempting.call.requestId,
  };
  try {
    const { native } = attempting;
    if (native && adapter.native?.protocol === native.protocol) {
      return await adapter.native.send(native, deployment.target, options);
    }
    return await adapter.chatCompletion(attempting.request, deployment.target, options);
  } finally {
    abort.dispose();
  }
}

/**
 * One attempt's signal: it aborts when the attempt's timeout passes or when the client goes away.
 * The timeout is cut to what is left of the request's deadline, so the deadline needs no listener
 * of its own here. It bounds the wait for the answer to begin, not the length of a stream
 * (dispose() clears it); the client is followed past that, since a client that leaves mid-stream
 * must still close the upstream. One controller and a listener rather than AbortSignal.any over a
 * second controller: on Node every AbortSignal costs a transferable object.
 */
function attemptSignal(
  attempting: Attempting,
  timeoutMs: number,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  // Cut again here: the circuit breaker's admission ran between attempt()'s cut and now.
  const ms = Math.max(1, Math.min(timeoutMs, attempting.deadline.remaining()));
  const timer = setTimeout(
    () => controller.abort(new DOMException("upstream timed out", "TimeoutError")),
    ms,
  );
  const client = attempting.call.request.signal;
  if (client?.aborted) controller.abort(client.reason);
  else client?.addEventListener("abort", () => controller.abort(client.reason), { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
    },
  };
}

/** Deployment's own timeout, else its provider's, else its provider kind's, else 120 s. */
function timeoutOf(deployment: Deployment): number {
  return attemptTimeoutMs(deployment, (kind) => descriptorOf(kind)?.defaultTimeoutMs);
}

/**
 * On a route, a deployment whose provider kind cannot serve a feature the request uses is passed
 * over (the adapter would refuse it with a 400 before any network call). A `<provider>/<model>`
 * call is left to the adapter, whose 400 names the parameter.
 */
function capabilityGap(attempting: Attempting, deployment: Deployment): Skip | null {
  if (!attempting.call.route?.route) return null;
  const capabilities = descriptorOf(deployment.target.kind)?.capabilities;
  if (!capabilities) return null;
  const feature = unsupportedFeature(attempting.request, capabilities);
  if (!feature) return null;
  return {
    deployment,
    skipped: `its provider (${deployment.target.kind}) cannot serve ${feature.what}`,
    refusal: unsupportedFeatureError(feature, deployment.target),
  };
}

/** providers/capabilities.ts's refusal: the request, not the deployment's health, is at issue. */
function isCapabilityRefusal(error: ProviderError): boolean {
  return (
    error.kind === "upstream_http" && error.status === 400 && error.code === "unsupported_parameter"
  );
}

/**
 * The same chunks; `release` runs once they end, however they end (done, failed, or returned
 * early when the client goes away). return() is forwarded at once, not queued behind a pending
 * next(), so a disconnect still closes the upstream.
 */
function releasedAtEnd<T>(chunks: AsyncIterable<T>, release: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const inner = chunks[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (step.done) release();
            return step;
          } catch (error) {
            release();
            throw error;
          }
        },
        async return(value?: unknown) {
          release();
          return (await inner.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * Adapters fail with a ProviderError; anything else is a defect in the adapter (or an input it
 * could not handle) that the client only sees as a 502, so the cause must reach the log.
 */
function logUnexpected(error: unknown, deployment: Deployment, attempting: Attempting): void {
  attempting.log.error("provider adapter failed unexpectedly", {
    requestId: attempting.call.requestId,
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
