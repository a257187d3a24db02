/**
 * Stages 7–8 of /v1/embeddings: which of the model's deployments can embed at all, the call's
 * size for the limits, and the calls themselves, in order until one answers.
 *
 * Fallback follows the route's `fallbackOn` (default: connection, timeout, 429, 5xx) as chat's
 * does (./call-provider.ts), one pass over the deployments; the client's error, when none
 * answered, is built the same way (./call-failures.ts). Chat's retry rounds, circuit breaker and
 * request deadline header are not applied: an embeddings call is one short request with nothing
 * streamed, and its deployment timeout bounds it.
 */
import type { CallEstimate } from "../../limits/estimate.ts";
import { type EmbeddingsRequest, embeddingInputs } from "../../protocols/openai/embeddings.ts";
import { adapterFor, descriptorOf } from "../../providers/index.ts";
import {
  type EmbeddingsOutcome,
  type ProviderAdapter,
  ProviderError,
} from "../../providers/types.ts";
import { DEFAULT_FALLBACK_ON, shouldFallBack } from "../../routing/fallback.ts";
import type { Deployment } from "../../routing/model-directory.ts";
import type { CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";
import type { Miss } from "./call-failures.ts";
import { gatewayErrorFor } from "./call-failures.ts";

const DEFAULT_TIMEOUT_MS = 60_000;
const CHARACTERS_PER_TOKEN = 4;

type Embed = NonNullable<ProviderAdapter["embeddings"]>;

/** The embeddings function serving `deployment`, or null when its provider has none. */
export function embedderOf(deployment: Deployment): Embed | null {
  const { kind } = deployment.target;
  if (descriptorOf(kind)?.capabilities.embeddings !== true) return null;
  const adapter = adapterFor(kind);
  return adapter?.embeddings ? adapter.embeddings.bind(adapter) : null;
}

/**
 * The deployments that can embed; a 400 naming the model when none can (a chat-only provider
 * such as Anthropic, or a route whose deployments are all chat-only).
 */
export function embeddingDeployments(
  model: string,
  deployments: readonly Deployment[],
): Deployment[] {
  const able = deployments.filter((deployment) => embedderOf(deployment) !== null);
  if (able.length === 0) {
    const first = deployments[0];
    const which = first ? ` (provider '${first.providerName}', kind ${first.target.kind})` : "";
    throw new GatewayError(
      "invalid_request",
      `The model '${model}' cannot create embeddings: its provider${which} has no embeddings API.`,
      { param: "model" },
    );
  }
  return able;
}

/**
 * Embeddings produce no output tokens. Input is bounded by characters (a token covers one or
 * more characters of ordinary text) for the budget hold, a quarter of that for TPM; token id
 * arrays count exactly.
 */
export function estimateEmbeddingsCall(
  request: EmbeddingsRequest,
  deployments: readonly Deployment[],
): CallEstimate {
  let characters = 0;
  let tokenIds = 0;
  for (const input of embeddingInputs(request)) {
    if (typeof input === "string") characters += input.length;
    else tokenIds += input.length;
  }
  return {
    tokens: Math.ceil(characters / CHARACTERS_PER_TOKEN) + tokenIds,
    worstUsage: {
      inputTokens: characters + tokenIds,
      outputTokens: 0,
      cachedInputTokens: 0,
      estimated: true,
    },
    deployments,
  };
}

export async function embedWithFallback(
  call: CallContext,
  deployments: readonly Deployment[],
  request: EmbeddingsRequest,
): Promise<EmbeddingsOutcome> {
  const misses: Miss[] = [];
  const fallbackOn = call.route?.route?.fallbackOn ?? DEFAULT_FALLBACK_ON;
  for (const deployment of deployments) {
    const embed = embedderOf(deployment);
    if (embed === null) continue;
    const startedAt = call.services.clock();
    const timeout = AbortSignal.timeout(timeoutOf(deployment));
    const clientSignal = call.request.signal ? [call.request.signal] : [];
    try {
      const outcome = await embed(request, deployment.target, {
        signal: AbortSignal.any([timeout, ...clientSignal]),
        fetch: call.services.fetch,
        requestId: call.requestId,
      });
      const latencyMs = call.services.clock() - startedAt;
      call.attempts.push({ deployment, status: 200, error: null, latencyMs });
      call.served = deployment;
      call.usage = () => outcome.usage;
      return outcome;
    } catch (error) {
      const failure = asProviderError(error, call, deployment);
      const latencyMs = call.services.clock() - startedAt;
      const status = failure.kind === "upstream_http" ? failure.status : null;
      call.attempts.push({ deployment, status, error: failure.kind, latencyMs });
      misses.push({ deployment, error: failure });
      if (!shouldFallBack(failure, fallbackOn)) break;
    }
  }
  throw gatewayErrorFor(misses);
}

/** Deployment's own timeout, else its provider's `config.timeoutMs`, else the default. */
function timeoutOf(deployment: Deployment): number {
  if (deployment.timeoutMs) return deployment.timeoutMs;
  const configured = deployment.target.config.timeoutMs;
  return typeof configured === "number" && configured > 0 ? configured : DEFAULT_TIMEOUT_MS;
}

function asProviderError(error: unknown, call: CallContext, deployment: Deployment): ProviderError {
  if (error instanceof ProviderError) return error;
  call.services.log.error("embeddings adapter failed unexpectedly", {
    requestId: call.requestId,
    deployment: deployment.label,
    error,
  });
  return new ProviderError({
    kind: "bad_response",
    message: "the provider adapter failed unexpectedly",
    status: 502,
    retryable: true,
    cause: error,
  });
}
