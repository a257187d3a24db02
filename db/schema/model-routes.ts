import { index, integer, pgEnum, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { providers } from "./providers.ts";

export const routeStrategy = pgEnum("route_strategy", [
  "PRIORITY",
  "WEIGHTED",
  "LATENCY",
  "LEAST_BUSY",
  "COST",
]);
export type RouteStrategy = (typeof routeStrategy.enumValues)[number];

/** A model alias ("fast", "gpt-4o") and how to pick among its deployments. org_id null = global. */
export const modelRoutes = pgTable(
  "model_routes",
  {
    id: id(),
    orgId: uuid("org_id").references(() => orgs.id, { onDelete: "cascade" }),
    alias: text("alias").notNull(),
    strategy: routeStrategy("strategy").notNull(),
    /** Failure kinds that move on to the next deployment ("429", "5xx", "timeout", ...). */
    fallbackOn: text("fallback_on").array().notNull().default([]),
    /**
     * Response cache opt-in for every call through this alias (seconds an answer is kept and may
     * be replayed); null = not opted in (functions/cache/cache-policy.ts).
     */
    cacheTtlSeconds: integer("cache_ttl_seconds"),
    createdAt: createdAt(),
  },
  // NULLS NOT DISTINCT: one global route per alias, like one org route per alias.
  (t) => [unique("model_routes_org_id_alias_unique").on(t.orgId, t.alias).nullsNotDistinct()],
);

/** One provider model a route can send to. */
export const modelDeployments = pgTable(
  "model_deployments",
  {
    id: id(),
    routeId: uuid("route_id")
      .notNull()
      .references(() => modelRoutes.id, { onDelete: "cascade" }),
    // No cascade: a provider in use is disabled (disabled_at), not deleted.
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id),
    model: text("model").notNull(),
    weight: integer("weight").notNull().default(1),
    priority: integer("priority").notNull().default(0),
    timeoutMs: integer("timeout_ms"),
    /** Where the deployment was listed in the route (0-based): ties in priority keep this order. */
    position: integer("position").notNull().default(0),
  },
  (t) => [index("model_deployments_route_id_idx").on(t.routeId)],
);
