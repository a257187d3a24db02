/**
 * Which deployments a model name means for an org. A name is either
 * - a model route alias (`"fast"`: no '/'): the org's own route of that alias, else the global
 *   one; its deployments in the order they were listed, with the route's strategy and fallbackOn;
 * - or `<provider>/<model>`, where the provider is, in order of precedence: the org's own provider
 *   of that name, a global provider row, a provider made from an environment credential
 *   (OPENAI_API_KEY → `openai`), or a built-in.
 *
 * An org's providers and routes (its own and the global ones) are cached together for a short
 * time, so a warm instance routes without SQL. Changes reach other instances three ways: a name
 * the cached view does not know is looked up once more in Postgres before it is refused (a route
 * just created elsewhere); a changed or deleted org route bumps the org's version token, and the
 * limits stage then forgets this cache (steps/limits.ts); anything else (global routes) within
 * the TTL.
 */
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Database } from "../../db/client.ts";
import { modelDeployments, modelRoutes, providers } from "../../db/schema/index.ts";
import type { Config } from "../config.ts";
import type { ProviderTarget } from "../providers/types.ts";
import type { Keyring } from "../security/keyring.ts";
import { BUILT_IN_PROVIDERS } from "./built-in-providers.ts";
import { environmentProviders } from "./environment-providers.ts";
import { type FailureClass, isFailureClass } from "./fallback.ts";
import { configForRouting } from "./provider-headers.ts";
import type { ProviderRecord } from "./provider-record.ts";
import { type ImplementedStrategy, isImplementedStrategy } from "./strategies/index.ts";
import type { RoutedDeployment } from "./strategies/types.ts";

const CACHE_TTL_MS = 30_000;

export interface Deployment {
  /** `<provider name>/<model>`, as clients address it and usage records store it. */
  label: string;
  providerName: string;
  providerId: string | null;
  target: ProviderTarget;
  /** A route deployment's own timeout (ms); otherwise the provider's (`config.timeoutMs`). */
  timeoutMs?: number | null;
}

/** The route a name matched: how its deployments are ordered and when to fall back. */
export interface RouteRule {
  id: string;
  /** null for a global route. */
  orgId: string | null;
  alias: string;
  strategy: ImplementedStrategy;
  fallbackOn: readonly FailureClass[];
  /** The route's response cache opt-in (seconds); null: not set (functions/cache/cache-policy.ts). */
  cacheTtlSeconds: number | null;
}

export interface ResolvedModel {
  /** null when the name was `<provider>/<model>`. */
  route: RouteRule | null;
  /** As listed in the route (its strategy orders them per call); one for `<provider>/<model>`. */
  deployments: RoutedDeployment[];
}

export interface ModelDirectory {
  /** What the name means for this org; null when nothing (unknown alias or provider). */
  resolve(orgId: string, model: string): Promise<ResolvedModel | null>;
  /**
   * Every name this org can use: `<provider>/<model>` for the models its providers declare
   * (`config.models`), and its route aliases.
   */
  listModels(orgId: string): Promise<string[]>;
  /** Drop the cached providers and routes of an org (null: of every org) after a change. */
  forget(orgId: string | null): void;
}

export function createModelDirectory(options: {
  db: Database;
  keyring: Keyring;
  config: Config;
}): ModelDirectory {
  const cache = new LRUCache<string, OrgView>({ max: 10_000, ttl: CACHE_TTL_MS });
  const fixed = [...BUILT_IN_PROVIDERS, ...environmentProviders(options.config)];

  async function load(orgId: string): Promise<OrgView> {
    const rows = await options.db
      .select()
      .from(providers)
      .where(
        and(or(eq(providers.orgId, orgId), isNull(providers.orgId)), isNull(providers.disabledAt)),
      );
    const byName = new Map<string, ProviderRecord>();
    const byId = new Map<string, ProviderRecord>();
    for (const provider of fixed) byName.set(provider.name, provider);
    // Global rows first, then org rows, so an org's own provider wins a name clash.
    const ordered = [...rows].sort((a, b) => Number(a.orgId !== null) - Number(b.orgId !== null));
    for (const row of ordered) {
      const record: ProviderRecord = {
        id: row.id,
        orgId: row.orgId,
        kind: row.kind,
        name: row.name,
        baseUrl: row.baseUrl,
        apiKey: row.apiKeyCiphertext ? await options.keyring.decrypt(row.apiKeyCiphertext) : null,
        config: await configForRouting(options.keyring, row),
      };
      byName.set(row.name, record);
      byId.set(row.id, record);
    }
    return { providers: byName, routes: await loadRoutes(orgId, byId), direct: new Map() };
  }

  async function loadRoutes(
    orgId: string,
    providersById: ReadonlyMap<string, ProviderRecord>,
  ): Promise<Map<string, ResolvedModel>> {
    const routeRows = await options.db
      .select()
      .from(modelRoutes)
      .where(or(eq(modelRoutes.orgId, orgId), isNull(modelRoutes.orgId)));
    const routes = new Map<string, ResolvedModel>();
    if (routeRows.length === 0) return routes;
    const deploymentRows = await options.db
      .select()
      .from(modelDeployments)
      .where(
        inArray(
          modelDeployments.routeId,
          routeRows.map((row) => row.id),
        ),
      );
    // Global routes first, so the org's own route of the same alias replaces it.
    const ordered = [...routeRows].sort(
      (a, b) => Number(a.orgId !== null) - Number(b.orgId !== null),
    );
    for (const row of ordered) {
      const deployments: RoutedDeployment[] = deploymentRows
        .filter((deployment) => deployment.routeId === row.id)
        .sort((a, b) => a.position - b.position)
        .flatMap((deployment) => {
          // A disabled provider is not loaded: its deployments are skipped, not called.
          const provider = providersById.get(deployment.providerId);
          if (!provider) return [];
          return [
            {
              ...deploymentOn(provider, deployment.model),
              weight: deployment.weight,
              priority: deployment.priority,
              timeoutMs: deployment.timeoutMs,
            },
          ];
        });
      routes.set(row.alias, {
        route: {
          id: row.id,
          orgId: row.orgId,
          alias: row.alias,
          // The admin API accepts only implemented strategies; a row written otherwise is
          // served in priority order rather than refused.
          strategy: isImplementedStrategy(row.strategy) ? row.strategy : "PRIORITY",
          fallbackOn: row.fallbackOn.filter(isFailureClass),
          cacheTtlSeconds: row.cacheTtlSeconds,
        },
        deployments,
      });
    }
    return routes;
  }

  async function viewOf(orgId: string): Promise<{ view: OrgView; cached: boolean }> {
    const cached = cache.get(orgId);
    if (cached) return { view: cached, cached: true };
    const view = await load(orgId);
    cache.set(orgId, view);
    return { view, cached: false };
  }

  return {
    async resolve(orgId, model) {
      const { view, cached } = await viewOf(orgId);
      const found = lookUp(view, model);
      if (found || !cached) return found;
      // Not in a cached view: perhaps created since on another instance. Look once more.
      cache.delete(orgId);
      return lookUp((await viewOf(orgId)).view, model);
    },
    async listModels(orgId) {
      const names: string[] = [];
      const { view } = await viewOf(orgId);
      for (const provider of view.providers.values()) {
        for (const model of declaredModels(provider)) names.push(`${provider.name}/${model}`);
      }
      // Route aliases are names a client can use too; one with no deployment resolves to nothing.
      for (const [alias, routed] of view.routes)
        if (routed.deployments.length > 0) names.push(alias);
      return names.sort();
    },
    forget(orgId) {
      if (orgId) cache.delete(orgId);
      else cache.clear();
    },
  };
}

/** What one org can name: providers by name, routes by alias (its own over global ones). */
interface OrgView {
  providers: Map<string, ProviderRecord>;
  routes: Map<string, ResolvedModel>;
  /**
   * `provider/model` names resolved so far, each built once as routes are, and shared read-only
   * the same way. Bounded, because the names come from clients.
   */
  direct: Map<string, ResolvedModel>;
}

const MAX_DIRECT_NAMES = 256;

function lookUp(view: OrgView, model: string): ResolvedModel | null {
  const slash = model.indexOf("/");
  if (slash === -1) {
    const routed = view.routes.get(model);
    return routed && routed.deployments.length > 0 ? routed : null;
  }
  const known = view.direct.get(model);
  if (known) return known;
  if (slash === 0 || slash === model.length - 1) return null;
  const provider = view.providers.get(model.slice(0, slash));
  if (!provider) return null;
  const resolved: ResolvedModel = {
    route: null,
    deployments: [{ ...deploymentOn(provider, model.slice(slash + 1)), weight: 1, priority: 0 }],
  };
  if (view.direct.size < MAX_DIRECT_NAMES) view.direct.set(model, resolved);
  return resolved;
}

function deploymentOn(provider: ProviderRecord, model: string): Deployment {
  return {
    label: `${provider.name}/${model}`,
    providerName: provider.name,
    providerId: provider.id,
    target: {
      kind: provider.kind,
      name: provider.name,
      baseUrl: provider.baseUrl,
      apiKey: provider.apiKey,
      config: provider.config,
      model,
    },
  };
}

function declaredModels(provider: ProviderRecord): string[] {
  const models = provider.config.models;
  return Array.isArray(models) ? models.filter((m): m is string => typeof m === "string") : [];
}
