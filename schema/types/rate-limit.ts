/**
 * Rate limits in the admin API: `setRateLimit`, `deleteRateLimit`, and `rateLimits` on the objects
 * they are set on. A key's own RPM/TPM/concurrency stay fields of the key (createVirtualKey,
 * updateVirtualKey); these rules add limits on the other scopes, and per-model limits on any.
 * Every change announces itself (limits-config.ts), so every instance sees it on its next call.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { type BudgetScope, rateLimits } from "../../db/schema/index.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, notFound } from "../errors.ts";
import {
  LIMIT_SCOPES,
  LimitScope,
  limitWriteScopes,
  resolveScopeForWrite,
  scopeGlobalId,
} from "./limit-scope.ts";
import { Org } from "./org.ts";
import { Team } from "./team.ts";
import { modelPattern, VirtualKey } from "./virtual-key.ts";

export type RateLimitRow = typeof rateLimits.$inferSelect;

const positiveInt = z.number().int().positive();

export const RateLimit = builder.node(builder.objectRef<RateLimitRow>("RateLimit"), {
  description: "Requests per minute, tokens per minute and concurrent calls for one scope.",
  id: { resolve: (rule) => rule.id },
  authScopes: (rule) => ({ orgReader: rule.orgId }),
  loadMany: (ids, context) => loadManyInOrg<RateLimitRow>(context, RATE_LIMITS, ids),
  fields: (t) => ({
    scope: t.field({
      type: LimitScope,
      resolve: (rule) => rule.scope as (typeof LIMIT_SCOPES)[number],
    }),
    scopeId: t.id({
      description: "The org, team, virtual key or agent the limit is set on.",
      resolve: (rule) => scopeGlobalId(rule.scope, rule.scopeId),
    }),
    model: t.exposeString("model", {
      nullable: true,
      description: "Only calls naming this model count; null for every call.",
    }),
    rpm: t.exposeInt("rpm", { nullable: true }),
    tpm: t.exposeInt("tpm", { nullable: true }),
    maxConcurrency: t.exposeInt("maxConcurrency", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const RATE_LIMITS = { table: rateLimits, id: rateLimits.id, orgId: rateLimits.orgId };

const loadRateLimit = (context: GraphQLContext, id: string) =>
  loadInOrg<RateLimitRow>(context, RATE_LIMITS, id);

/** The rules the admin API shows: those on an org, team, key or agent (grants have their own). */
const ADMIN_SCOPES: BudgetScope[] = [...LIMIT_SCOPES];

/** One connection type for every list of rate limits (on the org and on each object). */
const RateLimitConnection = builder.connectionObject(
  { type: RateLimit, name: "RateLimitConnection" },
  { name: "RateLimitEdge" },
);

builder.objectField(Org, "rateLimits", (t) =>
  t.connection(
    {
      type: RateLimit,
      description:
        "Every rate limit in the org (on the org, its teams, keys and agents), a page at a time (at most 100).",
      args: {
        scope: t.arg({ type: LimitScope, description: "Only limits on this kind of object." }),
      },
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          rateLimits,
          and(
            eq(rateLimits.orgId, org.id),
            inArray(rateLimits.scope, args.scope ? [args.scope] : ADMIN_SCOPES),
          ),
          byUuid<RateLimitRow>(rateLimits.id),
        ),
    },
    RateLimitConnection,
  ),
);

for (const [type, scope] of [
  [Team, "TEAM"],
  [VirtualKey, "KEY"],
] as const) {
  builder.objectField(type, "rateLimits", (t) =>
    t.connection(
      {
        type: RateLimit,
        description:
          "The rate limits set on this object, a page at a time (a key's own rpm/tpm are its fields).",
        resolve: (parent, args, context) =>
          tableConnection(
            context,
            args,
            rateLimits,
            and(
              eq(rateLimits.orgId, parent.orgId),
              eq(rateLimits.scope, scope),
              eq(rateLimits.scopeId, parent.id),
            ),
            byUuid<RateLimitRow>(rateLimits.id),
          ),
      },
      RateLimitConnection,
    ),
  );
}

builder.mutationFields((t) => ({
  setRateLimit: t.field({
    type: builder.simpleObject("SetRateLimitPayload", {
      fields: (f) => ({ rateLimit: f.field({ type: RateLimit }) }),
    }),
    description:
      "Sets the rate limit of a scope (and model, if given): the rule becomes exactly the " +
      "limits given, replacing any earlier rule of the same scope and model.",
    authScopes: (_root, { input }) => limitWriteScopes(input),
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("SetRateLimitInput", {
          fields: (f) => ({
            scope: f.field({ type: LimitScope, required: true }),
            scopeId: f.globalID({
              required: true,
              description: "The id of the org, team, virtual key or agent (matching scope).",
            }),
            rpm: f.int({ validate: positiveInt.nullish() }),
            tpm: f.int({ validate: positiveInt.nullish() }),
            maxConcurrency: f.int({ validate: positiveInt.nullish() }),
            model: f.string({
              description: "Only calls naming this model count; omit for every call.",
              validate: modelPattern.nullish(),
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const limits = {
        rpm: input.rpm ?? null,
        tpm: input.tpm ?? null,
        maxConcurrency: input.maxConcurrency ?? null,
      };
      if (limits.rpm === null && limits.tpm === null && limits.maxConcurrency === null) {
        throw badInput("input: set at least one of rpm, tpm and maxConcurrency");
      }
      const target = await resolveScopeForWrite(context, input.scope, input.scopeId);
      const model = input.model?.trim() ?? null;
      const rateLimit = await auditedWrite(context, {
        orgId: target.orgId,
        action: "rate_limit.set",
        targetType: "rate_limit",
        write: async (tx) => {
          const [row] = await tx
            .insert(rateLimits)
            .values({
              orgId: target.orgId,
              scope: input.scope,
              scopeId: target.scopeId,
              model,
              ...limits,
            })
            .onConflictDoUpdate({
              // The unique constraint treats nulls as equal, so "every model" is one rule too.
              target: [rateLimits.scope, rateLimits.scopeId, rateLimits.model],
              set: { ...limits, updatedAt: new Date() },
            })
            .returning();
          if (!row) throw new Error("upsert returned no row");
          return { result: row, targetId: row.id, after: row };
        },
      });
      await context.services.limits.announceChange(target.orgId);
      return { rateLimit };
    },
  }),

  deleteRateLimit: t.field({
    type: builder.simpleObject("DeleteRateLimitPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the rate limit had." }) }),
    }),
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteRateLimitInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: RateLimit }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const existing = await loadRateLimit(context, input.id.id);
      if (!existing) throw notFound("rate limit");
      await auditedWrite(context, {
        orgId: existing.orgId,
        action: "rate_limit.deleted",
        targetType: "rate_limit",
        write: async (tx) => {
          await tx.delete(rateLimits).where(eq(rateLimits.id, existing.id));
          return { result: null, targetId: existing.id, before: existing };
        },
      });
      await context.services.limits.announceChange(existing.orgId);
      return { deletedId: encodeGlobalID("RateLimit", existing.id) };
    },
  }),
}));
