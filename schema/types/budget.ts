/**
 * Budgets in the admin API: `setBudget`, `updateBudget`, `deleteBudget`, and `budgets` on the
 * objects they are set on. Every change announces itself (limits-config.ts), so every instance
 * decides the org's next call under the new rules.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { BUDGET_WINDOWS, type BudgetScope, budgets } from "../../db/schema/index.ts";
import { spendInWindow } from "../../functions/limits/window-from-usage.ts";
import { loadInOrg, loadManyInOrg, tenantFilter } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { groupedBy, loaderFor } from "../loaders.ts";
import {
  LIMIT_SCOPES,
  LimitScope,
  limitWriteScopes,
  resolveScopeForWrite,
  scopeGlobalId,
} from "./limit-scope.ts";
import { Org } from "./org.ts";
import { Team } from "./team.ts";
import { Usd, usdLimitAmount } from "./usd.ts";
import { VirtualKey } from "./virtual-key.ts";

export type BudgetRow = typeof budgets.$inferSelect;

const DEFAULT_ALERT_THRESHOLDS = [0.8, 1];

/** Fractions of the limit in (0, 1.5], at most 5, kept sorted and without repeats. */
const alertThresholds = z
  .array(z.number().gt(0).lte(1.5))
  .max(5)
  .transform((fractions) => [...new Set(fractions)].sort((a, b) => a - b));

const budgetWindow = z.enum(BUDGET_WINDOWS, {
  error: `must be one of ${BUDGET_WINDOWS.map((window) => `"${window}"`).join(", ")}`,
});

export const Budget = builder.node(builder.objectRef<BudgetRow>("Budget"), {
  description: "A spend limit on an org, team, key or agent over one window.",
  id: { resolve: (budget) => budget.id },
  authScopes: (budget) => ({ orgReader: budget.orgId }),
  loadMany: (ids, context) => loadManyInOrg<BudgetRow>(context, BUDGETS, ids),
  fields: (t) => ({
    scope: t.field({
      type: LimitScope,
      resolve: (budget) => budget.scope as (typeof LIMIT_SCOPES)[number],
    }),
    scopeId: t.id({
      description: "The org, team, virtual key or agent the budget is set on.",
      resolve: (budget) => scopeGlobalId(budget.scope, budget.scopeId),
    }),
    limitUsd: t.field({ type: Usd, resolve: (budget) => budget.limitNanoUsd }),
    window: t.string({
      description:
        'Rolling "1h", "1d", "7d" or "30d" (spend ages out bucket by bucket), or "TOTAL" (never).',
      resolve: (budget) => budget.window,
    }),
    alertThresholds: t.floatList({
      description: "Fractions of the limit at which an alert fires, once per crossing.",
      resolve: (budget) => budget.alertThresholds,
    }),
    spentUsd: t.field({
      type: Usd,
      description:
        "Spend recorded in the current window, from usage records (calls in flight are not " +
        "included). Counted as the gateway counts it: a rolling window may include up to one " +
        "bucket more than its length (1 min for 1h, 15 min for 1d, 1 h for 7d, 4 h for 30d).",
      resolve: async (budget, _args, context) => {
        const buckets = await spendInWindow(
          context.services.sql.db,
          budget,
          context.services.clock(),
        );
        return buckets.reduce((sum, bucket) => sum + BigInt(bucket.nanoUsd), 0n);
      },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const BUDGETS = { table: budgets, id: budgets.id, orgId: budgets.orgId };

const loadBudget = (context: GraphQLContext, id: string) =>
  loadInOrg<BudgetRow>(context, BUDGETS, id);

/** The budgets the admin API shows: those on an org, team, key or agent (grants have their own). */
const ADMIN_SCOPES: BudgetScope[] = [...LIMIT_SCOPES];

builder.objectField(Org, "budgets", (t) =>
  t.connection(
    {
      type: Budget,
      description:
        "Every budget in the org (on the org, its teams, keys and agents), a page at a time (at most 100).",
      args: {
        scope: t.arg({ type: LimitScope, description: "Only budgets on this kind of object." }),
      },
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          budgets,
          and(
            eq(budgets.orgId, org.id),
            inArray(budgets.scope, args.scope ? [args.scope] : ADMIN_SCOPES),
          ),
          byUuid<BudgetRow>(budgets.id),
        ),
    },
    { name: "BudgetConnection" },
    { name: "BudgetEdge" },
  ),
);

for (const [type, scope] of [
  [Team, "TEAM"],
  [VirtualKey, "KEY"],
] as const) {
  builder.objectField(type, "budgets", (t) =>
    t.field({
      type: [Budget],
      // A plain list: at most one budget per window (unique scope, scope id, window), so five.
      description: "The budgets set on this object (at most one per window).",
      // One query for every object of the page (schema/loaders.ts), within the viewer's org.
      resolve: (parent, _args, context) =>
        loaderFor(context, `budgets:${scope}`, async (ids: readonly string[]) => {
          const rows = await context.services.sql.db
            .select()
            .from(budgets)
            .where(
              and(
                eq(budgets.scope, scope),
                inArray(budgets.scopeId, [...ids]),
                tenantFilter(context, budgets.orgId),
              ),
            )
            .orderBy(asc(budgets.createdAt));
          return groupedBy(ids, rows, (row) => row.scopeId);
        }).load(parent.id),
    }),
  );
}

const BudgetPayload = (name: string) =>
  builder.simpleObject(name, { fields: (t) => ({ budget: t.field({ type: Budget }) }) });

builder.mutationFields((t) => ({
  setBudget: t.field({
    type: BudgetPayload("SetBudgetPayload"),
    description:
      "Creates the budget of a scope and window, or replaces its limit if one exists " +
      "(alert thresholds are kept unless given).",
    authScopes: (_root, { input }) => limitWriteScopes(input),
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("SetBudgetInput", {
          fields: (f) => ({
            scope: f.field({ type: LimitScope, required: true }),
            scopeId: f.globalID({
              required: true,
              description: "The id of the org, team, virtual key or agent (matching scope).",
            }),
            limitUsd: f.field({ type: Usd, required: true }).validate(usdLimitAmount),
            window: f.string({ required: true }).validate(budgetWindow),
            alertThresholds: f
              .floatList({ description: "Fractions of the limit; default [0.8, 1]." })
              .validate(alertThresholds.nullish()),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const target = await resolveScopeForWrite(context, input.scope, input.scopeId);
      const budget = await auditedWrite(context, {
        orgId: target.orgId,
        action: "budget.set",
        targetType: "budget",
        write: async (tx) => {
          const [row] = await tx
            .insert(budgets)
            .values({
              orgId: target.orgId,
              scope: input.scope,
              scopeId: target.scopeId,
              limitNanoUsd: input.limitUsd,
              window: input.window,
              alertThresholds: input.alertThresholds ?? DEFAULT_ALERT_THRESHOLDS,
            })
            .onConflictDoUpdate({
              target: [budgets.scope, budgets.scopeId, budgets.window],
              set: {
                limitNanoUsd: input.limitUsd,
                ...(input.alertThresholds ? { alertThresholds: input.alertThresholds } : {}),
                updatedAt: new Date(),
              },
            })
            .returning();
          if (!row) throw new Error("upsert returned no row");
          return { result: row, targetId: row.id, after: row };
        },
      });
      await context.services.limits.announceChange(target.orgId);
      return { budget };
    },
  }),

  updateBudget: t.field({
    type: BudgetPayload("UpdateBudgetPayload"),
    description: "Changes a budget's limit or alert thresholds; an omitted field stays as it is.",
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("UpdateBudgetInput", {
          fields: (f) => ({
            id: f.globalID({ required: true, for: Budget }),
            limitUsd: f.field({ type: Usd }).validate(usdLimitAmount.nullish()),
            alertThresholds: f.floatList().validate(alertThresholds.nullish()),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const existing = await loadBudget(context, input.id.id);
      if (!existing) throw notFound("budget");
      const budget = await auditedWrite(context, {
        orgId: existing.orgId,
        action: "budget.updated",
        targetType: "budget",
        write: async (tx) => {
          const [row] = await tx
            .update(budgets)
            .set({
              limitNanoUsd: input.limitUsd ?? existing.limitNanoUsd,
              alertThresholds: input.alertThresholds ?? existing.alertThresholds,
            })
            .where(eq(budgets.id, existing.id))
            .returning();
          if (!row) throw notFound("budget");
          return { result: row, targetId: row.id, before: existing, after: row };
        },
      });
      await context.services.limits.announceChange(existing.orgId);
      return { budget };
    },
  }),

  deleteBudget: t.field({
    type: builder.simpleObject("DeleteBudgetPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the budget had." }) }),
    }),
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteBudgetInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: Budget }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const existing = await loadBudget(context, input.id.id);
      if (!existing) throw notFound("budget");
      await auditedWrite(context, {
        orgId: existing.orgId,
        action: "budget.deleted",
        targetType: "budget",
        write: async (tx) => {
          await tx.delete(budgets).where(eq(budgets.id, existing.id));
          return { result: null, targetId: existing.id, before: existing };
        },
      });
      await context.services.limits.announceChange(existing.orgId);
      return { deletedId: encodeGlobalID("Budget", existing.id) };
    },
  }),
}));
