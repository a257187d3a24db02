import { count, eq } from "drizzle-orm";
import { z } from "zod";
import { webhooks } from "../../db/schema/index.ts";
import { WEBHOOK_EVENT_TYPES } from "../../functions/alerts/webhook-events.ts";
import { mintWebhookSecret } from "../../functions/alerts/webhook-secret.ts";
import { checkWebhookUrl } from "../../functions/alerts/webhook-url.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";

export type WebhookRow = typeof webhooks.$inferSelect;

/** Every crossing is sent to each of them: a bound keeps one org from fanning out without end. */
const MAX_WEBHOOKS_PER_ORG = 20;

export const Webhook = builder.node(builder.objectRef<WebhookRow>("Webhook"), {
  id: { resolve: (webhook) => webhook.id },
  authScopes: (webhook) => ({ orgReader: webhook.orgId }),
  loadMany: (ids, context) => loadManyInOrg<WebhookRow>(context, WEBHOOKS, ids),
  description:
    "Where the org's events are POSTed, signed with `x-switchyard-signature` (README, 'Alerts and webhooks'). The signing secret is shown once, by createWebhook.",
  fields: (t) => ({
    url: t.exposeString("url"),
    events: t.exposeStringList("events", { description: "Event types delivered to it." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    disabledAt: t.expose("disabledAt", { type: "DateTime", nullable: true }),
  }),
});

const WEBHOOKS = { table: webhooks, id: webhooks.id, orgId: webhooks.orgId };

builder.objectField(Org, "webhooks", (t) =>
  t.connection(
    {
      type: Webhook,
      description: "The org's webhooks by URL, a page at a time (at most 100).",
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          webhooks,
          eq(webhooks.orgId, org.id),
          byTextThenUuid(webhooks.url, webhooks.id, (hook: WebhookRow) => hook.url),
        ),
    },
    { name: "WebhookConnection" },
    { name: "WebhookEdge" },
  ),
);

const CreateWebhookPayload = builder.simpleObject("CreateWebhookPayload", {
  fields: (t) => ({
    webhook: t.field({ type: Webhook }),
    secret: t.string({
      description:
        "The signing secret, shown once. Stored encrypted (the server signs with it, so it cannot keep only a hash); never returned again.",
    }),
  }),
});

const DeleteWebhookPayload = builder.simpleObject("DeleteWebhookPayload", {
  fields: (t) => ({ webhook: t.field({ type: Webhook, description: "As it was." }) }),
});

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreateWebhookPayload,
    authScopes: (_root, { input }) => ({ orgWriter: input.orgId.id }),
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateWebhookInput", {
          fields: (f) => ({
            orgId: f.globalID({ required: true, for: Org }),
            url: f.string({ required: true, validate: z.string().trim().min(1).max(2000) }),
            events: f.stringList({
              description: `Event types to deliver (default: all of ${WEBHOOK_EVENT_TYPES.join(", ")}).`,
              validate: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const orgId = input.orgId.id;
      const { config, resolveHost, keyring, sql } = context.services;
      const check = await checkWebhookUrl(input.url.trim(), {
        allowPrivate: config.allowPrivateUpstreams,
        production: config.production,
        resolveHost,
      });
      if (!check.ok) throw badInput(check.reason);
      const [existing] = await sql.db
        .select({ count: count() })
        .from(webhooks)
        .where(eq(webhooks.orgId, orgId));
      if ((existing?.count ?? 0) >= MAX_WEBHOOKS_PER_ORG) {
        throw badInput(`an org may have at most ${MAX_WEBHOOKS_PER_ORG} webhooks`);
      }
      const secret = mintWebhookSecret();
      const secretCiphertext = await keyring.encrypt(secret);
      return auditedWrite(context, {
        orgId,
        action: "webhook.created",
        targetType: "webhook",
        write: async (tx) => {
          const [webhook] = await tx
            .insert(webhooks)
            .values({
              orgId,
              url: check.url,
              secretCiphertext,
              events: [...new Set(input.events ?? WEBHOOK_EVENT_TYPES)],
            })
            .returning();
          if (!webhook) throw new Error("insert returned no row");
          return { result: { webhook, secret }, targetId: webhook.id, after: webhook };
        },
      }).catch((error: unknown) =>
        explainWriteError(error, { conflict: "webhook already exists", missing: "org" }),
      );
    },
  }),

  deleteWebhook: t.field({
    type: DeleteWebhookPayload,
    description: "Stops deliveries at once; events already being retried finish their retries.",
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteWebhookInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: Webhook }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const webhook = await loadInOrg<WebhookRow>(context, WEBHOOKS, input.id.id);
      if (!webhook) throw notFound("webhook");
      return auditedWrite(context, {
        orgId: webhook.orgId,
        action: "webhook.deleted",
        targetType: "webhook",
        write: async (tx) => {
          await tx.delete(webhooks).where(eq(webhooks.id, webhook.id));
          return { result: { webhook }, targetId: webhook.id, before: webhook };
        },
      });
    },
  }),
}));
