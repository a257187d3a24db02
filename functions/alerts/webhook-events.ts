/**
 * What a webhook receives: one JSON object per event, the same body on every retry.
 *
 *   { "id": "<uuid>", "type": "budget.threshold_crossed", "createdAt": "<ISO 8601>",
 *     "data": { ... } }
 *
 * `id` is the audit event's id (the same event in the audit trail), and is sent again as
 * `x-switchyard-event-id`: a receiver that sees an id twice (a retry after a lost answer) can
 * drop the second.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import type { BudgetScope } from "../../db/schema/budgets.ts";
import { nanoUsdToUsd } from "../gateway/pricing.ts";
import type { Crossing } from "../limits/limits-store.ts";

/** The events a webhook can subscribe to; a new kind of event is added here. */
export const WEBHOOK_EVENT_TYPES = ["budget.threshold_crossed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: Record<string, unknown>;
}

/** The GraphQL type whose ids name each budget scope, so receivers get the admin API's ids. */
const SCOPE_TYPES: Record<BudgetScope, string> = {
  ORG: "Org",
  TEAM: "Team",
  KEY: "VirtualKey",
  AGENT: "Agent",
  GRANT: "DelegationGrant",
};

/**
 * The details of a crossing as the audit trail keeps them: the database's own ids (the audit
 * row's target is the budget), the limit in USD.
 */
export function budgetCrossingDetails(crossing: Crossing): Record<string, unknown> {
  const { budget, fraction } = crossing;
  return {
    scope: budget.scope,
    scopeId: budget.scopeId,
    window: budget.window,
    fraction,
    limitUsd: nanoUsdToUsd(budget.limitNanoUsd),
  };
}

/** The same crossing for a receiver, with the relay global ids the admin API uses. */
export function budgetCrossingEventData(
  crossing: Crossing,
  requestId: string | null,
): Record<string, unknown> {
  const { budget } = crossing;
  return {
    ...budgetCrossingDetails(crossing),
    orgId: encodeGlobalID("Org", budget.orgId),
    budgetId: encodeGlobalID("Budget", budget.id),
    scopeId: encodeGlobalID(SCOPE_TYPES[budget.scope], budget.scopeId),
    requestId,
  };
}
