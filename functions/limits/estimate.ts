/**
 * A call's size before it is made: the tokens it counts against TPM and the worst-case usage
 * whose cost it holds against budgets. Both are replaced by what the provider reports when the
 * call settles.
 *
 * - Prompt: the request's JSON length in characters. Tokens from common BPE tokenizers cover a
 *   character or more of ordinary text, so this is a cheap upper bound for the hold; for TPM the
 *   usual quarter of it is used, since TPM is corrected at settle and an upper bound would refuse
 *   concurrent calls early.
 * - Output: `max_completion_tokens` or `max_tokens`, else a default cap. A provider that writes
 *   more than the cap because the client set none is billed for it at settle: that is the one way
 *   spend can pass a limit, by at most one call's overrun (README, "Limits").
 * - Price: the dearest of the deployments the call may be routed to, at the org's prices, which
 *   the limits stage knows once it has loaded the org (holdFor).
 */

import { costNanoUsd } from "../pricing/model-price.ts";
import type { PriceBook } from "../pricing/price-book.ts";
import type { ChatCompletionRequest } from "../protocols/openai/chat.ts";
import type { Usage } from "../providers/types.ts";
import type { Deployment } from "../routing/model-directory.ts";

export const DEFAULT_OUTPUT_TOKEN_CAP = 4_096;
const CHARACTERS_PER_TOKEN = 4;

export interface CallEstimate {
  /** Counted against TPM. */
  tokens: number;
  /** The most the call can use; priced by holdFor. */
  worstUsage: Usage;
  /** Where the call may go: the hold covers the dearest. */
  deployments: readonly Deployment[];
}

export interface Hold {
  /** Worst-case cost in nano-USD at the dearest priced deployment. */
  nanoUsd: number;
  /** Deployments no price table knows (costed at zero above). */
  unpriced: Deployment[];
}

export function estimateChatCall(
  request: ChatCompletionRequest,
  deployments: readonly Deployment[],
): CallEstimate {
  const promptCharacters = JSON.stringify(request.messages).length;
  const outputCap = request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_OUTPUT_TOKEN_CAP;
  return {
    tokens: Math.ceil(promptCharacters / CHARACTERS_PER_TOKEN) + outputCap,
    worstUsage: {
      inputTokens: promptCharacters,
      outputTokens: outputCap,
      cachedInputTokens: 0,
      estimated: true,
    },
    deployments,
  };
}

/** The budget hold of `estimate` at `prices`, for a call made at `at` (epoch ms). */
export function holdFor(estimate: CallEstimate, prices: PriceBook, at: number): Hold {
  let nanoUsd = 0;
  const unpriced: Deployment[] = [];
  for (const deployment of estimate.deployments) {
    const price = prices.priceOf(deployment, at);
    if (!price.known) unpriced.push(deployment);
    nanoUsd = Math.max(nanoUsd, costNanoUsd(price, estimate.worstUsage));
  }
  return { nanoUsd, unpriced };
}
