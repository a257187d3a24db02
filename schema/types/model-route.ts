/**
 * Model routes in the admin API: `createModelRoute`, `updateModelRoute`, `deleteModelRoute`, and
 * `modelRoutes` on Org. A route maps an alias ("fast", "gpt-4o") to deployments on the org's
 * providers (or global ones) and says how to order them (functions/routing/strategies) and when
 * to fall back (functions/routing/fallback.ts). Omitting orgId makes a global route (master key
 * only), which every org can call unless it has its own route of the same alias.
 *
 * Every change to an org's route bumps the org's version token, so every instance re-resolves on
 * its next call (steps/limits.ts); a global route reaches other instances within the model
 * directory's cache TTL.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, asc, eq, inArray, isNull, or } from "drizzle-orm";
import { z } from "zod";
import type { Transaction } from "../../db/client.ts";
import { modelDeployments, modelRoutes, providers } from "../../db/schema/index.ts";
import { MAX_CACHE_AGE_SECONDS } from "../../functions/cache/cache-directive.ts";
import { modelNameSchema } from "../../functions/protocols/openai/chat-request.ts";
import { DEFAULT_FALLBACK_ON, type FailureClass } from "../../functions/routing/fallback.ts";
import {
  type ImplementedStrategy,
  isImplementedStrategy,
  ROUTE_STRATEGIES,
} from "../../functions/routing/strategies/index.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";
import { Provider } from "./provider.ts";

export type ModelRouteRow = typeof modelRoutes.$inferSelect;
type DeploymentRow = typeof modelDeployments.$inferSelect;

const uuid = z.uuid();

/**
 * Like a model name on the wire (functions/protocols/openai/chat-request.ts): 1–256 visible
 * ASCII characters; and no '/', which is what tells an alias from `<provider>/<model>`.
 */
const alias = modelNameSchema.regex(
  /^[^/]+$/,
  "may not contain '/' (that names <provider>/<model>)",
);

const RouteStrategyEnum = builder.enumType("RouteStrategy", {
  description:
    "PRIORITY: lowest priority first, ties in listed order. WEIGHTED: the first deployment drawn " +
    "at random by weight, the rest in priority order as fallback. LATENCY: lowest recent latency " +
    "first (an average shared by every instance, decayed with age so slow deployments are " +
    "retried). LEAST_BUSY: fewest calls in flight first, counted across instances, ties at " +
    "random. COST: cheapest first for the request's estimated tokens at the org's prices; " +
    "unpriced deployments last.",
  values: ROUTE_STRATEGIES,
});

/** GraphQL names for the stored failure classes. */
const FALLBACK_CONDITIONS = {
  CONNECTION: "connection",
  TIMEOUT: "timeout",
  RATE_LIMITED: "429",
  SERVER_ERROR: "5xx",
  CONTEXT_WINDOW: "context_window",
} as const satisfies Record<string, FailureClass>;
type FallbackCondition = keyof typeof FALLBACK_CONDITIONS;

const FallbackConditionEnum = builder.enumType("FallbackCondition", {
  description:
    "A failure that moves a call on to the next deployment: CONNECTION (refused, reset, DNS), " +
    "TIMEOUT (the deployment's timeoutMs, or upstream 408), RATE_LIMITED (upstream 429), " +
    "SERVER_ERROR (upstream 5xx), CONTEXT_WINDOW (the provider refused the prompt as longer " +
    "than its model's context window: opt in to try a deployment with a larger one). Any other " +
    "400/401/403 from a provider never falls back.",
  values: Object.keys(FALLBACK_CONDITIONS) as FallbackCondition[],
});

function conditionOf(stored: string): FallbackCondition[] {
  const entry = Object.entries(FALLBACK_CONDITIONS).find(([, value]) => value === stored);
  return entry ? [entry[0] as FallbackCondition] : [];
}

const Deployment = builder.objectRef<DeploymentRow>("Deployment").implement({
  description: "One provider model a route sends to.",
  fields: (t) => ({
    providerId: t.id({ resolve: (row) => encodeGlobalID("Provider", row.providerId) }),
    model: t.exposeString("model"),
    weight: t.exposeInt("weight"),
    priority: t.exposeInt("priority"),
    timeoutMs: t.exposeInt("timeoutMs", { nullable: true }),
  }),
});

export const ModelRoute = builder.node(builder.objectRef<ModelRouteRow>("ModelRoute"), {
  id: { resolve: (route) => route.id },
  // Global routes are visible to every admin; org routes to their org only.
  authScopes: (route) => (route.orgId ? { orgReader: route.orgId } : { authenticated: true }),
  loadMany: (ids, context) =>
    loadManyInOrg<ModelRouteRow>(context, MODEL_ROUTES, ids, { globalRows: true }),
  fields: (t) => ({
    alias: t.exposeString("alias"),
    orgId: t.id({
      nullable: true,
      description: "null for a global route.",
      resolve: (route) => (route.orgId ? encodeGlobalID("Org", route.orgId) : null),
    }),
    strategy: t.field({
      type: RouteStrategyEnum,
      resolve: (route): ImplementedStrategy =>
        isImplementedStrategy(route.strategy) ? route.strategy : "PRIORITY",
    }),
    fallbackOn: t.field({
      type: [FallbackConditionEnum],
      resolve: (route) => route.fallbackOn.flatMap(conditionOf),
    }),
    cacheTtlSeconds: t.exposeInt("cacheTtlSeconds", {
      nullable: true,
      description: CACHE_TTL_DESCRIPTION,
    }),
    deployments: t.field({
      type: [Deployment],
      description: "In the order they were listed.",
      resolve: (route, _args, context) =>
        context.services.sql.db
          .select()
          .from(modelDeployments)
          .where(eq(modelDeployments.routeId, route.id))
          .orderBy(asc(modelDeployments.position)),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const MODEL_ROUTES = { table: modelRoutes, id: modelRoutes.id, orgId: modelRoutes.orgId };

builder.objectField(Org, "modelRoutes", (t) =>
  t.connection(
    {
      type: ModelRoute,
      description:
        "This org's own routes by alias, a page at a time (at most 100). Global routes are not listed here.",
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          modelRoutes,
          eq(modelRoutes.orgId, org.id),
          byTextThenUuid(modelRoutes.alias, modelRoutes.id, (route: ModelRouteRow) => route.alias),
        ),
    },
    { name: "ModelRouteConnection" },
    { name: "ModelRouteEdge" },
  ),
);

const DeploymentInput = builder.inputType("DeploymentInput", {
  fields: (f) => ({
    providerId: f.globalID({ required: true, for: Provider }),
    model: f.string({ required: true, validate: z.string().min(1).max(256) }),
    weight: f.int({ description: "Default 1.", validate: z.number().int().positive().nullish() }),
    priority: f.int({
      description: "Lower is tried first by PRIORITY. Default 0.",
      validate: z.number().int().min(0).nullish(),
    }),
    timeoutMs: f.int({
      description: "Time to wait for the answer to begin; default the provider's.",
      validate: z.number().int().positive().max(600_000).nullish(),
    }),
  }),
});

type DeploymentArgs = {
  providerId: { id: string };
  model: string;
  weight?: number | null;
  priority?: number | null;
  timeoutMs?: number | null;
};

/** A route's response cache opt-in: whole seconds up to the header's own bound (7 days). */
const cacheTtl = z.number().int().min(1).max(MAX_CACHE_AGE_SECONDS).nullish();
const CACHE_TTL_DESCRIPTION =
  "Response cache opt-in for calls through this alias: identical requests (same org, messages " +
  "and parameters) are answered from a stored answer at most this many seconds old. null: not " +
  "opted in (a key's cacheTtlSeconds or the request's x-switchyard-cache header still may); " +
  "`x-switchyard-cache: no-store` on a request always wins. Both key and route set: the shorter.";

const deploymentsList = z.array(z.unknown()).min(1, "at least one deployment").max(50);

/**
 * Deployments may only use providers the route's org can use: its own or global ones (a global
 * route: global ones only). An unknown id and another org's id get the same answer.
 */
async function checkProviders(
  context: GraphQLContext,
  orgId: string | null,
  deployments: readonly DeploymentArgs[],
): Promise<void> {
  const ids = [...new Set(deployments.map((deployment) => deployment.providerId.id))];
  const usable = ids.filter((id) => uuid.safeParse(id).success);
  const rows = usable.length
    ? await context.services.sql.db
        .select({ id: providers.id })
        .from(providers)
        .where(
          and(
            inArray(providers.id, usable),
            orgId
              ? or(eq(providers.orgId, orgId), isNull(providers.orgId))
              : isNull(providers.orgId),
          ),
        )
    : [];
  const found = new Set(rows.map((row) => row.id));
  const missing = deployments.findIndex((deployment) => !found.has(deployment.providerId.id));
  if (missing !== -1) {
    throw badInput(
      `deployments.${missing}.providerId: no such provider ${orgId ? "in this org or global" : "among global providers"}`,
    );
  }
}

function deploymentRows(routeId: string, deployments: readonly DeploymentArgs[]) {
  return deployments.map((deployment, position) => ({
    routeId,
    providerId: deployment.providerId.id,
    model: deployment.model,
    weight: deployment.weight ?? 1,
    priority: deployment.priority ?? 0,
    timeoutMs: deployment.timeoutMs ?? null,
    position,
  }));
}

function storedFallbackOn(conditions: readonly FallbackCondition[] | null | undefined): string[] {
  if (!conditions) return [...DEFAULT_FALLBACK_ON];
  return [...new Set(conditions.map((condition) => FALLBACK_CONDITIONS[condition]))];
}

/** Other instances re-resolve: org routes through the org's version token, global ones by TTL. */
async function announce(context: GraphQLContext, orgId: string | null): Promise<void> {
  context.services.models.forget(orgId);
  if (orgId) await context.services.limits.announceChange(orgId);
}

const RoutePayload = (name: string) =>
  builder.simpleObject(name, { fields: (t) => ({ route: t.field({ type: ModelRoute }) }) });

builder.mutationFields((t) => ({
  createModelRoute: t.field({
    type: RoutePayload("CreateModelRoutePayload"),
    authScopes: (_root, { input }) =>
      input.orgId ? { orgWriter: input.orgId.id } : { master: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateModelRouteInput", {
          fields: (f) => ({
            orgId: f.globalID({
              for: Org,
              description: "Omit for a global route (master key only).",
            }),
            alias: f.string({ required: true, validate: alias }),
            strategy: f.field({ type: RouteStrategyEnum, required: true }),
            deployments: f.field({
              type: [DeploymentInput],
              required: true,
              validate: deploymentsList,
            }),
            fallbackOn: f.field({
              type: [FallbackConditionEnum],
              description:
                "Default: CONNECTION, TIMEOUT, RATE_LIMITED, SERVER_ERROR. An empty list never falls back.",
            }),
            cacheTtlSeconds: f.int({ description: CACHE_TTL_DESCRIPTION, validate: cacheTtl }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const orgId = input.orgId?.id ?? null;
      await checkProviders(context, orgId, input.deployments);
      try {
        const route = await auditedRouteWrite(context, orgId, "model_route.created", async (tx) => {
          const [row] = await tx
            .insert(modelRoutes)
            .values({
              orgId,
              alias: input.alias,
              strategy: input.strategy,
              fallbackOn: storedFallbackOn(input.fallbackOn),
              cacheTtlSeconds: input.cacheTtlSeconds ?? null,
            })
            .returning();
          if (!row) throw new Error("insert returned no row");
          await tx.insert(modelDeployments).values(deploymentRows(row.id, input.deployments));
          return { route: row, before: null };
        });
        await announce(context, orgId);
        return { route };
      } catch (error) {
        explainWriteError(error, {
          conflict: `a route with alias "${input.alias}" already exists`,
          missing: "org",
        });
      }
    },
  }),

  updateModelRoute: t.field({
    type: RoutePayload("UpdateModelRoutePayload"),
    description: "Changes what is given; `deployments`, when given, replaces the list.",
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("UpdateModelRouteInput", {
          fields: (f) => ({
            id: f.globalID({ required: true, for: ModelRoute }),
            alias: f.string({ validate: alias.nullish() }),
            strategy: f.field({ type: RouteStrategyEnum }),
            deployments: f.field({ type: [DeploymentInput], validate: deploymentsList.nullish() }),
            fallbackOn: f.field({ type: [FallbackConditionEnum] }),
            cacheTtlSeconds: f.int({
              description: `${CACHE_TTL_DESCRIPTION} Omitted: unchanged; null: turned off.`,
              validate: cacheTtl,
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const existing = await writableRoute(context, input.id.id);
      const deployments = input.deployments ?? null;
      if (deployments) await checkProviders(context, existing.orgId, deployments);
      try {
        const route = await auditedRouteWrite(
          context,
          existing.orgId,
          "model_route.updated",
          async (tx) => {
            const changes = {
              ...(input.alias ? { alias: input.alias } : {}),
              ...(input.strategy ? { strategy: input.strategy } : {}),
              ...(input.fallbackOn ? { fallbackOn: storedFallbackOn(input.fallbackOn) } : {}),
              ...(input.cacheTtlSeconds !== undefined
                ? { cacheTtlSeconds: input.cacheTtlSeconds }
                : {}),
            };
            const [row] =
              Object.keys(changes).length === 0
                ? [existing]
                : await tx
                    .update(modelRoutes)
                    .set(changes)
                    .where(eq(modelRoutes.id, existing.id))
                    .returning();
            if (!row) throw new Error("update returned no row");
            if (deployments) {
              await tx.delete(modelDeployments).where(eq(modelDeployments.routeId, row.id));
              await tx.insert(modelDeployments).values(deploymentRows(row.id, deployments));
            }
            return { route: row, before: existing };
          },
        );
        await announce(context, existing.orgId);
        return { route };
      } catch (error) {
        explainWriteError(error, {
          conflict: `a route with alias "${input.alias ?? existing.alias}" already exists`,
          missing: "route",
        });
      }
    },
  }),

  deleteModelRoute: t.field({
    type: builder.simpleObject("DeleteModelRoutePayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the route had." }) }),
    }),
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteModelRouteInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: ModelRoute }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const existing = await writableRoute(context, input.id.id);
      await auditedWrite(context, {
        orgId: existing.orgId,
        action: "model_route.deleted",
        targetType: "model_route",
        write: async (tx) => {
          await tx.delete(modelRoutes).where(eq(modelRoutes.id, existing.id));
          return { result: null, targetId: existing.id, before: existing };
        },
      });
      await announce(context, existing.orgId);
      return { deletedId: encodeGlobalID("ModelRoute", existing.id) };
    },
  }),
}));

/**
 * A route this viewer may change: its own org's. Global rows are left out of the load, so to an
 * org token a global route is NOT_FOUND here; the master key sees every row.
 */
async function writableRoute(context: GraphQLContext, id: string): Promise<ModelRouteRow> {
  const existing = await loadInOrg<ModelRouteRow>(context, MODEL_ROUTES, id);
  if (!existing) throw notFound("model route");
  return existing;
}

/** A route and its deployments change, and the audit event is appended, in one transaction. */
function auditedRouteWrite(
  context: GraphQLContext,
  orgId: string | null,
  action: string,
  write: (tx: Transaction) => Promise<{ route: ModelRouteRow; before: ModelRouteRow | null }>,
): Promise<ModelRouteRow> {
  return auditedWrite(context, {
    orgId,
    action,
    targetType: "model_route",
    write: async (tx) => {
      const { route, before } = await write(tx);
      const deployments = await tx
        .select()
        .from(modelDeployments)
        .where(eq(modelDeployments.routeId, route.id))
        .orderBy(asc(modelDeployments.position));
      return { result: route, targetId: route.id, before, after: { ...route, deployments } };
    },
  });
}
