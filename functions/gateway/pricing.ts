/**
 * The gateway's side of pricing: what a call costs at its org's prices, and the refusal of calls
 * no price covers when the operator asked for it (SWITCHYARD_UNKNOWN_PRICE=refuse). Where prices
 * come from is functions/pricing; the limits stage puts the org's prices on the call context.
 */
import type { Hold } from "../limits/estimate.ts";
import { costNanoUsd, type ModelPrice, UNKNOWN_PRICE } from "../pricing/model-price.ts";
import type { Usage } from "../providers/types.ts";
import type { Deployment } from "../routing/model-directory.ts";
import type { CallContext } from "./call-context.ts";
import { GatewayError } from "./errors.ts";

export { nanoUsdToUsd } from "../pricing/usd.ts";

/**
 * The price of the call on `deployment`, as of the call's start (a price that changes at a date
 * or an hour prices the whole call one way). Unknown until the limits stage loaded the prices.
 */
export function priceOfCall(call: CallContext, deployment: Deployment): ModelPrice {
  return call.prices?.priceOf(deployment, call.startedAt) ?? UNKNOWN_PRICE;
}

/** The cost of `usage` on `deployment` in nano-USD; 0 at an unknown price. */
export function costOfCall(call: CallContext, deployment: Deployment, usage: Usage): number {
  return costNanoUsd(priceOfCall(call, deployment), usage);
}

/**
 * Under `refuse`, a call that could reach a deployment without a price is refused before any
 * upstream is called: spend that cannot be priced cannot be held against a budget either.
 */
export function refuseUnpriced(call: CallContext, hold: Hold): void {
  const [unpriced] = hold.unpriced;
  if (unpriced === undefined || call.services.config.unknownPrice !== "refuse") return;
  throw new GatewayError(
    "model_price_unknown",
    `No price is known for '${unpriced.label}', and this gateway refuses calls it cannot price. ` +
      "An org admin can set one with the setModelPrice mutation.",
    { param: "model" },
  );
}
