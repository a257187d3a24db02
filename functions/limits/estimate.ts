/**
 * A call's size before it is made: the tokens it counts against TPM and the worst-case cost it
 * holds against budgets. Both are replaced by what the provider reports when the call settles.
 *
 * - Prompt: the request's JSON length in characters. Tokens from common BPE tokenizers cover a
 *   character or more of ordinary text, so this is a cheap upper bound for the hold; for TPM the
 *   usual quarter of it is used, since TPM is corrected at settle and an upper bound would refuse
 *   concurrent calls early.
 * - Output: `max_completion_tokens` or `max_tokens`, else a default cap. A provider that writes
 *   more than the cap because the client set none is billed for it at settle: that is the one way
 *   spend can pass a limit, by at most one call's overrun (README, "Limits").
 * - Price: the dearest of the deployments the call may be routed to.
 */

import { costNanoUsd, priceFor } from "../gateway/pricing.ts";
import type { ChatCompletionRequest } from "../protocols/openai/chat.ts";
import type { Deployment } from "../routing/model-directory.ts";

export const DEFAULT_OUTPUT_TOKEN_CAP = 4_096;
const CHARACTERS_PER_TOKEN = 4;

export interface CallEstimate {
  tokens: number;
  holdNanoUsd: number;
}

export function estimateChatCall(
  request: ChatCompletionRequest,
  deployments: readonly Deployment[],
): CallEstimate {
  const promptCharacters = JSON.stringify(request.messages).length;
  const outputCap = request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_OUTPUT_TOKEN_CAP;
  const worstUsage = {
    inputTokens: promptCharacters,
    outputTokens: outputCap,
    cachedInputTokens: 0,
    estimated: true,
  };
  let holdNanoUsd = 0;
  for (const deployment of deployments) {
    const price = priceFor(deployment.target.kind, deployment.target.model);
    holdNanoUsd = Math.max(holdNanoUsd, costNanoUsd(price, worstUsage));
  }
  return {
    tokens: Math.ceil(promptCharacters / CHARACTERS_PER_TOKEN) + outputCap,
    holdNanoUsd,
  };
}
