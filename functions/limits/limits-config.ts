/**
 * Each org's budgets and rate-limit rules, read from Postgres once and kept in-process, so a
 * warm call plans its limits with no SQL. Freshness comes from Redis, not from a timer: every
 * change to an org's limits or keys writes a new version token under the org's version key
 * (announceLimitsChange), and the reserve script refuses to decide under any other token. The
 * instance then reloads and decides again, so a change is in force on every instance from the
 * next call on.
 */
import type { Redis } from "@upstash/redis";
import { eq } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Database } from "../../db/client.ts";
import { budgets, modelPrices, rateLimits } from "../../db/schema/index.ts";
import { loadListPrices } from "../pricing/genai-prices.ts";
import { tokenRates } from "../pricing/model-price.ts";
import { createPriceBook } from "../pricing/price-book.ts";
import type { OrgLimits } from "./plan.ts";

const SAFETY_TTL_MS = 60_000;

export interface LimitsConfig {
  forOrg(orgId: string): Promise<OrgLimits>;
  /** Drops the org's cached rules (the reserve script said they are stale). */
  forget(orgId: string): void;
}

export function createLimitsConfig(options: {
  db: Database;
  redis: Redis;
  versionKey: (orgId: string) => string;
}): LimitsConfig {
  // The TTL is only a safety net for an announcement that never reached Redis.
  const cache = new LRUCache<string, OrgLimits>({ max: 10_000, ttl: SAFETY_TTL_MS });

  async function load(orgId: string): Promise<OrgLimits> {
    // The version is read before the rows: a change landing in between makes the next
    // reserve see a newer token and reload, never the other way round.
    const version = (await options.redis.get<string>(options.versionKey(orgId))) ?? "";
    const [budgetRows, rateRows, priceRows, listPrices] = await Promise.all([
      options.db.select().from(budgets).where(eq(budgets.orgId, orgId)),
      options.db.select().from(rateLimits).where(eq(rateLimits.orgId, orgId)),
      options.db.select().from(modelPrices).where(eq(modelPrices.orgId, orgId)),
      loadListPrices(),
    ]);
    return {
      version: String(version),
      budgets: budgetRows.map((row) => ({
        id: row.id,
        orgId: row.orgId,
        scope: row.scope,
        scopeId: row.scopeId,
        limitNanoUsd: row.limitNanoUsd,
        window: row.window,
        alertThresholds: row.alertThresholds,
      })),
      rateLimits: rateRows.map((row) => ({
        id: row.id,
        scope: row.scope,
        scopeId: row.scopeId,
        model: row.model,
        rpm: row.rpm,
        tpm: row.tpm,
        maxConcurrency: row.maxConcurrency,
      })),
      prices: createPriceBook(
        listPrices,
        priceRows.map((row) => ({
          model: row.model,
          rates: tokenRates({
            input: row.inputNanoUsdPerMillion,
            output: row.outputNanoUsdPerMillion,
            cachedInput: row.cachedInputNanoUsdPerMillion,
            cacheWrite: row.cacheWriteNanoUsdPerMillion,
          }),
        })),
      ),
    };
  }

  return {
    async forOrg(orgId) {
      const cached = cache.get(orgId);
      if (cached) return cached;
      const loaded = await load(orgId);
      cache.set(orgId, loaded);
      return loaded;
    },
    forget(orgId) {
      cache.delete(orgId);
    },
  };
}

/**
 * Call after any change to an org's budgets, rate limits, prices or virtual keys (revoke, rotate,
 * update): every instance's next call for the org reloads. The token starts with a letter so
 * that no client deserializes it as a number.
 */
export async function announceLimitsChange(redis: Redis, versionKey: string): Promise<void> {
  await redis.set(versionKey, `v${crypto.randomUUID().replaceAll("-", "")}`);
}
