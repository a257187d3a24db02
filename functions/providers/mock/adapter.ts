/**
 * The built-in `mock` provider: model `echo` answers deterministically with no network, for
 * demos, tests and load tests, and reports usage like a real provider.
 *
 * `config` (all optional, all deterministic):
 *   latencyMs     wait before answering (time to first byte)
 *   chunkDelayMs  wait between streamed chunks
 *   failStatus    answer every call with this HTTP-like error (exercises fallback and retries)
 */
import { z } from "zod";
import type { ChatCompletionChunk, StreamIdentity } from "../../protocols/openai/chat.ts";
import { isRetryableStatus, ProviderError, providerErrorFromFailure } from "../errors.ts";
import { loadTokenizer } from "../tokens.ts";
import type { CallOptions, ChatOutcome, ProviderAdapter, ProviderTarget } from "../types.ts";
import { echoChunks, echoCompletion, echoReply } from "./echo.ts";
import { mockEmbeddings } from "./embeddings.ts";

export const MOCK_MODELS = ["echo"] as const;

const configSchema = z.looseObject({
  latencyMs: z.int().min(0).max(600_000).optional(),
  chunkDelayMs: z.int().min(0).max(60_000).optional(),
  failStatus: z.int().min(400).max(599).optional(),
});

type MockConfig = z.infer<typeof configSchema>;

export const mockAdapter: ProviderAdapter = {
  kind: "mock",
  async chatCompletion(request, target, options): Promise<ChatOutcome> {
    const config = parseMockConfig(target);
    if (!(MOCK_MODELS as readonly string[]).includes(target.model)) {
      throw new ProviderError({
        kind: "upstream_http",
        message: `The model '${target.model}' does not exist on provider '${target.name}'; it serves: ${MOCK_MODELS.join(", ")}.`,
        status: 404,
        retryable: false,
        type: "invalid_request_error",
        code: "model_not_found",
        param: "model",
      });
    }
    await mockDelay(config.latencyMs, options, target);
    if (config.failStatus !== undefined) throw simulatedFailure(config.failStatus, target);
    const reply = echoReply(request, await loadTokenizer());
    const identity: StreamIdentity = {
      id: `chatcmpl-mock-${options.requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: target.model,
    };
    if (request.stream !== true) {
      return {
        kind: "complete",
        response: echoCompletion(request, reply, identity),
        usage: reply.usage,
      };
    }
    const chunks = echoChunks(request, reply, identity);
    return {
      kind: "stream",
      chunks: paced(chunks, config, options, target),
      usage: () => reply.usage,
    };
  },
  embeddings: (request, target, options) => mockEmbeddings(request, target, options),
};

async function* paced(
  chunks: readonly ChatCompletionChunk[],
  config: MockConfig,
  options: CallOptions,
  target: ProviderTarget,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  for (const [position, chunk] of chunks.entries()) {
    if (position > 0) await mockDelay(config.chunkDelayMs, options, target);
    yield chunk;
  }
}

/** Shared with mock/embed (./embeddings.ts). */
export function parseMockConfig(target: ProviderTarget): MockConfig {
  const parsed = configSchema.safeParse(target.config);
  if (parsed.success) return parsed.data;
  throw new ProviderError({
    kind: "misconfigured",
    message: `Provider '${target.name}' (mock) has an invalid config: latencyMs, chunkDelayMs and failStatus must be integers.`,
    status: 500,
    retryable: false,
  });
}

export function simulatedFailure(status: number, target: ProviderTarget): ProviderError {
  return new ProviderError({
    kind: "upstream_http",
    message: `Provider '${target.name}' answered ${status}: simulated failure (config.failStatus).`,
    status,
    retryable: isRetryableStatus(status),
    type: status >= 500 ? "server_error" : "invalid_request_error",
    code: "simulated_failure",
  });
}

/** Waits `ms` unless the call's signal fires first (then fails like a real provider would). */
export async function mockDelay(
  ms: number | undefined,
  options: CallOptions,
  target: ProviderTarget,
): Promise<void> {
  const { signal } = options;
  if (signal.aborted) throw providerErrorFromFailure(signal.reason, signal, target.name);
  if (!ms) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(providerErrorFromFailure(signal.reason, signal, target.name));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
