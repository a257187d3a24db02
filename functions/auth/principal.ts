/** Who is calling the gateway: resolved from a virtual key, carried through every stage. */
export interface Principal {
  orgId: string;
  teamId: string | null;
  agentId: string | null;
  keyId: string;
  keyName: string;
  /** Models this key may use; null = any model its org can reach. */
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
  /**
   * The key's response cache opt-in in seconds (functions/cache/cache-policy.ts); null or absent:
   * the key does not opt in.
   */
  cacheTtlSeconds?: number | null;
  /** Present when the call presented a delegation grant (`x-switchyard-grant`) it may use. */
  delegation?: DelegationChain;
}

/**
 * The authority a call borrows through a chain of delegation grants (DESIGN.md, "Delegation
 * grants"). Every grant narrows: the call may use a model only if the key and every grant allow
 * it, must fit every grant's cap and RPM, and its spend is carried up to the root agent.
 */
export interface DelegationChain {
  /** Grant ids, root → leaf (the leaf is the grant presented). */
  grantIds: string[];
  /** Agent ids, root grantor → the calling agent. */
  agentIds: string[];
  rootAgentId: string;
  /** The root agent's team: spend under the chain is carried up to it. */
  rootTeamId: string | null;
  grants: Array<{
    id: string;
    /** null = no narrowing beyond the grantor's own (already written out when it was created). */
    models: string[] | null;
    rpm: number | null;
    maxSpendNanoUsd: number;
  }>;
  /** The tightest expiry of the chain (epoch ms). */
  expiresAt: number;
}
