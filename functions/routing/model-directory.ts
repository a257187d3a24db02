/**
 * Which deployments a model name means for an org. Today a name is `<provider>/<model>`, where the
 * provider is, in order of precedence: the org's own provider of that name, a global provider row,
 * a provider made from an environment credential (OPENAI_API_KEY → `openai`), or a built-in.
 * Model routes (aliases with strategies) join here in the routing issue.
 *
 * Provider rows are cached per org for a short time, so a warm instance routes without SQL.
 */
import { and, eq, isNull, or } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Database } from "../../db/client.ts";
import { providers } from "../../db/schema/index.ts";
import type { Config } from "../config.ts";
import type { ProviderTarget } from "../providers/types.ts";
import type { Keyring } from "../security/keyring.ts";
import { BUILT_IN_PROVIDERS } from "./built-in-providers.ts";
import { environmentProviders } from "./environment-providers.ts";
import { configForRouting } from "./provider-headers.ts";
import type { ProviderRecord } from "./provider-record.ts";

const CACHE_TTL_MS = 30_000;

export interface Deployment {
  /** `<provider name>/<model>`, as clients address it and usage records store it. */
  label: string;
  providerName: string;
  providerId: string | null;
  target: ProviderTarget;
}

export interface ModelDirectory {
  /** The deployments to try, in order; empty when the name means nothing for this org. */
  resolve(orgId: string, model: string): Promise<Deployment[]>;
  /** Every `<provider>/<model>` this org can name explicitly (from providers' `config.models`). */
  listModels(orgId: string): Promise<string[]>;
  /** Drop cached providers of an org (null: global providers) after a change. */
  forget(orgId: string | null): void;
}

export function createModelDirectory(options: {
  db: Database;
  keyring: Keyring;
  config: Config;
}): ModelDirectory {
  const cache = new LRUCache<string, Map<string, ProviderRecord>>({
    max: 10_000,
    ttl: CACHE_TTL_MS,
  });
  const fixed = [...BUILT_IN_PROVIDERS, ...environmentProviders(options.config)];

  async function providersOf(orgId: string): Promise<Map<string, ProviderRecord>> {
    const cached = cache.get(orgId);
    if (cached) return cached;
    const rows = await options.db
      .select()
      .from(providers)
      .where(
        and(or(eq(providers.orgId, orgId), isNull(providers.orgId)), isNull(providers.disabledAt)),
      );
    const byName = new Map<string, ProviderRecord>();
    for (const provider of fixed) byName.set(provider.name, provider);
    // Global rows first, then org rows, so an org's own provider wins a name clash.
    const ordered = [...rows].sort((a, b) => Number(a.orgId !== null) - Number(b.orgId !== null));
    for (const row of ordered) {
      byName.set(row.name, {
        id: row.id,
        orgId: row.orgId,
        kind: row.kind,
        name: row.name,
        baseUrl: row.baseUrl,
        apiKey: row.apiKeyCiphertext ? await options.keyring.decrypt(row.apiKeyCiphertext) : null,
        config: await configForRouting(options.keyring, row),
      });
    }
    cache.set(orgId, byName);
    return byName;
  }

  return {
    async resolve(orgId, model) {
      const slash = model.indexOf("/");
      if (slash <= 0 || slash === model.length - 1) return [];
      const providerName = model.slice(0, slash);
      const provider = (await providersOf(orgId)).get(providerName);
      if (!provider) return [];
      const deploymentModel = model.slice(slash + 1);
      return [
        {
          label: model,
          providerName,
          providerId: provider.id,
          target: {
            kind: provider.kind,
            name: provider.name,
            baseUrl: provider.baseUrl,
            apiKey: provider.apiKey,
            config: provider.config,
            model: deploymentModel,
          },
        },
      ];
    },
    async listModels(orgId) {
      const names: string[] = [];
      for (const provider of (await providersOf(orgId)).values()) {
        for (const model of declaredModels(provider)) names.push(`${provider.name}/${model}`);
      }
      return names.sort();
    },
    forget(orgId) {
      if (orgId) cache.delete(orgId);
      else cache.clear();
    },
  };
}

function declaredModels(provider: ProviderRecord): string[] {
  const models = provider.config.models;
  return Array.isArray(models) ? models.filter((m): m is string => typeof m === "string") : [];
}
