/**
 * Each org's guardrail policies, read from Postgres once and kept in-process, so a warm call
 * decides with no SQL. Freshness rides on the limits' org version token (limits-config.ts):
 * setGuardrailPolicy and deleteGuardrailPolicy announce a change through it, the limits stage
 * (stage 4, before this one) reloads the org's rules on the next call anywhere, and this cache
 * reloads whenever the version it was loaded under is not the one the limits stage decided under.
 */
import { eq } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Database } from "../../db/client.ts";
import { guardrailPolicies } from "../../db/schema/index.ts";
import type { DetectorId } from "./detectors/types.ts";
import {
  type CallGuardrails,
  type CompiledPolicy,
  type GuardrailPolicy,
  rulesForCall,
  type ScopeIds,
} from "./policies.ts";

export interface OrgGuardrails {
  version: string;
  policies: CompiledPolicy[];
  /** Rules per (team, key, agent): resolved once per caller and version. */
  resolved: Map<string, CallGuardrails>;
}

export interface GuardrailPolicyCache {
  /**
   * The guardrails of a call; null when the org has no policy at all, so the stages skip.
   * `version` is the org's limits version the call was admitted under.
   */
  forCall(who: ScopeIds, version: string): Promise<CallGuardrails | null>;
  forget(orgId: string): void;
}

const SAFETY_TTL_MS = 60_000;

export function createGuardrailPolicyCache(db: Database): GuardrailPolicyCache {
  const cache = new LRUCache<string, OrgGuardrails>({ max: 10_000, ttl: SAFETY_TTL_MS });

  async function load(orgId: string, version: string): Promise<OrgGuardrails> {
    const rows = await db
      .select()
      .from(guardrailPolicies)
      .where(eq(guardrailPolicies.orgId, orgId));
    if (rows.length === 0) return { version, policies: [], resolved: new Map() };
    // The detectors load with the first org that has a policy (./compile-policy.ts says why).
    const { compilePolicy } = await import("./compile-policy.ts");
    return {
      version,
      policies: rows.map((row) => compilePolicy(policyOf(row))),
      resolved: new Map(),
    };
  }

  return {
    async forCall(who, version) {
      let org = cache.get(who.orgId);
      if (!org || org.version !== version) {
        org = await load(who.orgId, version);
        cache.set(who.orgId, org);
      }
      if (org.policies.length === 0) return null;
      const key = `${who.teamId}|${who.keyId}|${who.agentId}`;
      let rules = org.resolved.get(key);
      if (!rules) {
        rules = rulesForCall(org.policies, who);
        org.resolved.set(key, rules);
      }
      return rules.INPUT.length + rules.OUTPUT.length === 0 ? null : rules;
    },
    forget(orgId) {
      cache.delete(orgId);
    },
  };
}

export function policyOf(row: typeof guardrailPolicies.$inferSelect): GuardrailPolicy {
  return {
    id: row.id,
    scope: row.scope,
    scopeId: row.scopeId,
    direction: row.direction,
    detectors: row.detectors as DetectorId[],
    action: row.action,
    restorePlaceholders: row.restorePlaceholders,
    topics: { words: row.topicWords, phrases: row.topicPhrases, patterns: row.topicPatterns },
  };
}
