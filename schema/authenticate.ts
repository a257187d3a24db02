/**
 * Turns the admin bearer token into a Viewer: the MASTER_KEY (compared as keyed hashes, in
 * constant time) or an org admin token (keyed-hash lookup, cached briefly in-process).
 */
import { and, eq, isNull } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { adminTokens } from "../db/schema/index.ts";
import { presentedSecret } from "../functions/auth/bearer.ts";
import { constantTimeEqual } from "../functions/security/keyring.ts";
import { isWellFormedToken, TOKEN_KINDS } from "../functions/security/token-format.ts";
import type { Services } from "../functions/services.ts";
import type { Viewer } from "./context.ts";

const CACHE_TTL_MS = 15_000;

export type AdminAuthenticator = (headers: Headers) => Promise<Viewer | null>;

export function createAdminAuthenticator(services: Services): AdminAuthenticator {
  const cache = new LRUCache<string, { viewer: Viewer | null }>({ max: 10_000, ttl: CACHE_TTL_MS });

  return async (headers) => {
    const secret = presentedSecret(headers);
    if (!secret) return null;
    const hash = await services.keyring.hashSecret(secret);
    if (constantTimeEqual(hash, services.masterKeyHash)) return { kind: "master" };
    if (!isWellFormedToken(secret, TOKEN_KINDS.adminToken)) return null;

    const cached = cache.get(hash);
    if (cached) return cached.viewer;
    const [token] = await services.sql.db
      .select()
      .from(adminTokens)
      .where(and(eq(adminTokens.secretHash, hash), isNull(adminTokens.revokedAt)));
    const viewer: Viewer | null = token
      ? { kind: "admin", tokenId: token.id, orgId: token.orgId, role: token.role }
      : null;
    cache.set(hash, { viewer });
    return viewer;
  };
}
