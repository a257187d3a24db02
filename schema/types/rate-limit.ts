/**
 * Rate limits in the admin API: `setRateLimit`, `deleteRateLimit`, and `rateLimits` on the objects
 * they are set on. A key's own RPM/TPM/concurrency stay fields of the key (createVirtualKey,
 * updateVirtualKey); these rules add limits on the other scopes, and per-model limits on any.
 * Every change announces itself (limits-config.ts), so every instance sees it on its next call.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { type BudgetScope, rateLimits } from "../../db/schema/index.ts";
import { orgScopeOf, requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, notFound } from "../errors.ts";
import { LIMIT_SCOPES, LimitScope, resolveScopeForWrite, scopeGlobalId } from "./limit-scope.ts";
import { Org } from "./org.ts";
import { Team } from "./team.ts";
import { modelPattern, VirtualKey } from "./virtual-key.ts";

export type RateLimitRow = typeof rateLimits.$inferSelect;

const uuid = z.uuid();
const positiveInt = z.number().int().positive();

export const RateLimit = builder.node(builder.objectRef<RateLimitRow>("RateLimit"), {
  description: "Requests per minute, tokens per minute and concurrent calls for one scope.",
  id: { resolve: (rule) => rule.id },
  authScopes: (rule) => ({ orgReader: rule.orgId }),
  loadOne: (id, context) => loadRateLimit(context, id),
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

async function loadRateLimit(context: GraphQLContext, id: string): Promise<RateLimitRow | null> {
  if (!uuid.safeParse(id).success) return null;
  const scope = orgScopeOf(context.viewer);
  const [row] = await context.services.sql.db
    .select()
    .from(rateLimits)
    .where(
      scope.all
        ? eq(rateLimits.id, id)
        : and(eq(rateLimits.id, id), eq(rateLimits.orgId, scope.orgId)),
    );
  return row ?? null;
}

/** The rules the admin API shows: those on an org, team, key or agent (grants have their own). */
const ADMIN_SCOPES: BudgetScope[] = [...LIMIT_SCOPES];

builder.objectField(Org, "rateLimits", (t) =>
  t.field({
    type: [RateLimit],
    description: "Every rate limit in the org (on the org, its teams, keys and agents).",
    args: {
      scope: t.arg({ type: LimitScope, description: "Only limits on this kind of object." }),
    },
    resolve: (org, args, context) =>
      context.services.sql.db
        .select()
        .from(rateLimits)
        .where(
          and(
            eq(rateLimits.orgId, org.id),
            inArray(rateLimits.scope, args.scope ? [args.scope] : ADMIN_SCOPES),
          ),
        )
        .orderBy(asc(rateLimits.createdAt)),
  }),
);

for (const [type, scope] of [
  [Team, "TEAM"],
  [VirtualKey, "KEY"],
] as const) {
  builder.objectField(type, "rateLimits", (t) =>
    t.field({
      type: [RateLimit],
      description: "The rate limits set on this object (a key's own rpm/tpm are its fields).",
      resolve: (parent, _args, context) =>
        context.services.sql.db
          .select()
          .from(rateLimits)
          .where(
            and(
              eq(rateLimits.orgId, parent.orgId),
              eq(rateLimits.scope, scope),
              eq(rateLimits.scopeId, parent.id),
            ),
          )
          .orderBy(asc(rateLimits.createdAt)),
    }),
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
    authScopes: { authenticated: true },
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
      const [rateLimit] = await context.services.sql.db
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
      if (!rateLimit) throw new Error("upsert returned no row");
      await context.services.limits.announceChange(target.orgId);
      return { rateLimit };
    },
  }),

  deleteRateLimit: t.field({
    type: builder.simpleObject("DeleteRateLimitPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the rate limit had." }) }),
    }),
    authScopes: { authenticated: true },
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
      requireOrgRole(context, existing.orgId, "ADMIN");
      await context.services.sql.db.delete(rateLimits).where(eq(rateLimits.id, existing.id));
      await context.services.limits.announceChange(existing.orgId);
      return { deletedId: encodeGlobalID("RateLimit", existing.id) };
    },
  }),
}));
