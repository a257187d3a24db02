/**
 * The gateway's view of a presented grant token: the whole chain, root → leaf, resolved once and
 * kept in-process briefly (CACHE_TTL_MS), so a warm call under a grant costs no SQL.
 *
 * Revocation is never left to that cache: revokeDelegationGrant writes one Redis key per revoked
 * grant (publishRevocations) and the limits' reserve script checks the chain's keys in the same
 * round trip as every rate limit and budget (functions/limits/lua.ts), so a revocation stops the
 * next call on every instance. Calls that reserve nothing (GET /v1/models) rely on the cache TTL.
 * If Redis lost the keys, the cache still expires and Postgres (revoked_at) answers.
 */
import type { Redis } from "@upstash/redis";
import { eq, inArray } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Database } from "../../db/client.ts";
import { agents, delegationGrants } from "../../db/schema/index.ts";
import type { DelegationChain } from "../auth/principal.ts";
import { grantRevokedKey } from "../limits/plan.ts";
import type { Keyring } from "../security/keyring.ts";
import { isWellFormedToken, TOKEN_KINDS } from "../security/token-format.ts";
import { loadGrantChain } from "./grant-records.ts";
import type { RevokedGrant } from "./revoke-grants.ts";

const CACHE_TTL_MS = 5_000;

/** A resolved chain, with what the gateway checks on each call (time moves; revocation too). */
export interface ResolvedChain extends DelegationChain {
  /** Agent the leaf grant was issued to: only its keys may present the token. */
  granteeAgentId: string;
  revoked: boolean;
}

export type GrantResolution =
  | { ok: true; chain: ResolvedChain }
  | { ok: false; reason: "malformed" | "unknown" }
  | { ok: false; reason: "unavailable"; error: unknown };

export interface GrantResolver {
  resolve(token: string): Promise<GrantResolution>;
  /** Makes revocations effective everywhere: one Redis key per grant, kept until it expires. */
  publishRevocations(grants: RevokedGrant[]): Promise<void>;
  /** True the first time any instance sees this grant used (Redis SET NX); once per instance. */
  claimFirstUse(grantId: string): Promise<boolean>;
  forgetAll(): void;
}

type CacheEntry = { found: true; chain: ResolvedChain } | { found: false };

export function createGrantResolver(options: {
  db: Database;
  redis: Redis;
  keyring: Keyring;
  namespace: string;
  now?: () => number;
}): GrantResolver {
  const now = options.now ?? Date.now;
  const cache = new LRUCache<string, CacheEntry>({
    max: 20_000,
    ttl: CACHE_TTL_MS,
    perf: { now },
    ttlResolution: 0,
  });
  const usedHere = new LRUCache<string, true>({ max: 20_000 });

  async function load(tokenHash: string): Promise<CacheEntry> {
    const [leaf] = await options.db
      .select({ id: delegationGrants.id })
      .from(delegationGrants)
      .where(eq(delegationGrants.tokenHash, tokenHash));
    if (!leaf) return { found: false };
    const grants = await loadGrantChain(options.db, leaf.id);
    const last = grants.at(-1);
    const root = grants[0];
    if (!last || !root) return { found: false };
    const agentRows = await options.db
      .select({ id: agents.id, teamId: agents.teamId, disabledAt: agents.disabledAt })
      .from(agents)
      .where(inArray(agents.id, last.chain));
    const rootAgent = agentRows.find((row) => row.id === root.fromAgentId);
    return {
      found: true,
      chain: {
        grantIds: grants.map((grant) => grant.id),
        agentIds: last.chain,
        rootAgentId: root.fromAgentId,
        rootTeamId: rootAgent?.teamId ?? null,
        grants: grants.map((grant) => ({
          id: grant.id,
          models: grant.models,
          rpm: grant.rpm,
          maxSpendNanoUsd: grant.maxSpendNanoUsd,
        })),
        expiresAt: Math.min(...grants.map((grant) => grant.expiresAt.getTime())),
        granteeAgentId: last.toAgentId,
        revoked:
          grants.some((grant) => grant.revokedAt !== null) ||
          agentRows.some((row) => row.disabledAt !== null),
      },
    };
  }

  return {
    async resolve(token) {
      if (!isWellFormedToken(token, TOKEN_KINDS.delegationGrant)) {
        return { ok: false, reason: "malformed" };
      }
      const tokenHash = await options.keyring.hashSecret(token);
      let entry = cache.get(tokenHash);
      if (!entry) {
        try {
          entry = await load(tokenHash);
        } catch (error) {
          return { ok: false, reason: "unavailable", error };
        }
        cache.set(tokenHash, entry);
      }
      return entry.found ? { ok: true, chain: entry.chain } : { ok: false, reason: "unknown" };
    },

    async publishRevocations(grants) {
      cache.clear();
      const live = grants.filter((grant) => grant.expiresAt.getTime() > now());
      if (live.length === 0) return;
      const pipeline = options.redis.pipeline();
      for (const grant of live) {
        // Past its expiry a grant is refused anyway: the key need not outlive it.
        pipeline.set(`${options.namespace}${grantRevokedKey(grant.id)}`, "1", {
          pxat: grant.expiresAt.getTime() + 60_000,
        });
      }
      await pipeline.exec();
    },

    async claimFirstUse(grantId) {
      if (usedHere.has(grantId)) return false;
      usedHere.set(grantId, true);
      const set = await options.redis.set(`${options.namespace}grant:used:${grantId}`, "1", {
        nx: true,
      });
      return set === "OK";
    },

    forgetAll() {
      cache.clear();
    },
  };
}
