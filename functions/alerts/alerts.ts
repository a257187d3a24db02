/**
 * Budget alerts (DESIGN.md, "Limits"): the limits store reports each threshold crossing once
 * (functions/limits/lua.ts), and for each this appends a `budget.threshold_crossed` audit event
 * and sends the event to every enabled webhook of the org subscribed to it. Each delivery is its
 * own background task, so one slow receiver delays no other; one that finally fails is logged
 * and audited as `webhook.delivery_failed`.
 *
 * Everything here runs after the response has gone (settle's background task).
 */
import { and, arrayContains, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { webhooks } from "../../db/schema/index.ts";
import { appendAuditEvent } from "../audit/append-audit-event.ts";
import type { BackgroundTasks } from "../background.ts";
import type { Crossing } from "../limits/limits-store.ts";
import type { Logger } from "../log.ts";
import type { Keyring } from "../security/keyring.ts";
import {
  type DeliveryTools,
  deliverWebhook,
  type RetryPolicy,
  WEBHOOK_RETRY_POLICY,
} from "./deliver-webhook.ts";
import {
  budgetCrossingDetails,
  budgetCrossingEventData,
  type WebhookEvent,
} from "./webhook-events.ts";

export interface Alerts {
  /** The crossings one settle reported, caused by the call `requestId`. */
  budgetThresholdsCrossed(crossings: readonly Crossing[], requestId: string | null): Promise<void>;
}

export interface AlertsOptions {
  db: Database;
  keyring: Keyring;
  log: Logger;
  background: BackgroundTasks;
  /** services.fetch (the SSRF guard) and services.clock. */
  fetch: typeof fetch;
  clock: () => number;
  /** Pauses between retries (default: real timers); tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retryPolicy?: RetryPolicy;
}

type WebhookRow = typeof webhooks.$inferSelect;

export function createAlerts(options: AlertsOptions): Alerts {
  const { db, log } = options;
  const tools: DeliveryTools = {
    fetch: options.fetch,
    clock: options.clock,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
  };

  async function announceCrossing(crossing: Crossing, requestId: string | null): Promise<void> {
    const { budget } = crossing;
    const createdAt = new Date(options.clock());
    const audited = await appendAuditEvent(db, {
      orgId: budget.orgId,
      actorType: "system",
      action: "budget.threshold_crossed",
      targetType: "budget",
      targetId: budget.id,
      data: budgetCrossingDetails(crossing),
      requestId,
      createdAt,
    }).catch((error: unknown) => {
      // The webhook still goes out: the receiver may be the only one watching.
      log.error("audit event not written", { action: "budget.threshold_crossed", error });
      return null;
    });
    const event: WebhookEvent = {
      id: audited?.id ?? crypto.randomUUID(),
      type: "budget.threshold_crossed",
      createdAt: createdAt.toISOString(),
      data: budgetCrossingEventData(crossing, requestId),
    };
    for (const webhook of await subscribers(budget.orgId, event.type)) {
      options.background.run("webhook delivery", () => deliver(webhook, event));
    }
  }

  function subscribers(orgId: string, type: WebhookEvent["type"]): Promise<WebhookRow[]> {
    return db
      .select()
      .from(webhooks)
      .where(
        and(
          eq(webhooks.orgId, orgId),
          isNull(webhooks.disabledAt),
          arrayContains(webhooks.events, [type]),
        ),
      );
  }

  async function deliver(webhook: WebhookRow, event: WebhookEvent): Promise<void> {
    const secret = await options.keyring.decrypt(webhook.secretCiphertext);
    const outcome = await deliverWebhook(
      { url: webhook.url, secret },
      event,
      tools,
      options.retryPolicy ?? WEBHOOK_RETRY_POLICY,
    );
    if (outcome.delivered) return;
    // The URL stays out of logs and the trail: some receivers carry a credential in it.
    const details = {
      webhookId: webhook.id,
      eventId: event.id,
      eventType: event.type,
      attempts: outcome.attempts,
      status: outcome.status,
      reason: outcome.reason,
    };
    log.warn("webhook delivery failed", details);
    await appendAuditEvent(db, {
      orgId: webhook.orgId,
      actorType: "system",
      action: "webhook.delivery_failed",
      targetType: "webhook",
      targetId: webhook.id,
      data: details,
      createdAt: new Date(options.clock()),
    });
  }

  return {
    async budgetThresholdsCrossed(crossings, requestId) {
      for (const crossing of crossings) await announceCrossing(crossing, requestId);
    },
  };
}
