/**
 * Turns the admin bearer token into a Viewer: the MASTER_KEY (compared as keyed hashes, in
 * constant time) or an org admin token (keyed-hash lookup).
 *
 * Admin tokens are looked up in SQL on every request, with no in-process cache: a revocation,
 * rotation or expiry then holds at once on every instance sharing the database. The admin API is
 * off the gateway's hot path, and the lookup is one unique-index probe.
 */
import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { adminTokens } from "../db/schema/index.ts";
import { presentedSecret } from "../functions/auth/bearer.ts";
import { constantTimeEqual } from "../functions/security/keyring.ts";
import { isWellFormedToken, TOKEN_KINDS } from "../functions/security/token-format.ts";
import type { Services } from "../functions/services.ts";
import type { Viewer } from "./context.ts";

/** `lastUsedAt` is written at most this often per token: it says "in use lately", not an audit. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export type AdminAuthenticator = (headers: Headers) => Promise<Viewer | null>;

export function createAdminAuthenticator(services: Services): AdminAuthenticator {
  const noteUse = lastUsedRecorder(services);

  return async (headers) => {
    const secret = presentedSecret(headers);
    if (!secret) return null;
    const hash = await services.keyring.hashSecret(secret);
    if (constantTimeEqual(hash, services.masterKeyHash)) return { kind: "master" };
    if (!isWellFormedToken(secret, TOKEN_KINDS.adminToken)) return null;

    // The injected clock (services.clock), as every stage reads time: tests move it, not Date.
    const now = new Date(services.clock());
    const [token] = await services.sql.db
      .select({
        id: adminTokens.id,
        orgId: adminTokens.orgId,
        role: adminTokens.role,
        lastUsedAt: adminTokens.lastUsedAt,
      })
      .from(adminTokens)
      .where(
        and(
          eq(adminTokens.secretHash, hash),
          isNull(adminTokens.revokedAt),
          or(isNull(adminTokens.expiresAt), gt(adminTokens.expiresAt, now)),
        ),
      );
    if (!token) return null;
    noteUse(token, now);
    return { kind: "admin", tokenId: token.id, orgId: token.orgId, role: token.role };
  };
}

/**
 * Writes `lastUsedAt` off the response path (a background task: its failure is logged, never the
 * request's), only when the stored value is older than the resolution. The conditional UPDATE
 * keeps instances racing on one token to one write per period; the in-flight set keeps one
 * instance from queueing a write per concurrent request.
 */
function lastUsedRecorder(services: Services) {
  const inFlight = new Set<string>();
  return (token: { id: string; lastUsedAt: Date | null }, now: Date) => {
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    if (token.lastUsedAt && token.lastUsedAt > staleBefore) return;
    if (inFlight.has(token.id)) return;
    inFlight.add(token.id);
    services.background.run("admin token last used", () =>
      services.sql.db
        .update(adminTokens)
        .set({ lastUsedAt: now })
        .where(
          and(
            eq(adminTokens.id, token.id),
            or(isNull(adminTokens.lastUsedAt), lt(adminTokens.lastUsedAt, staleBefore)),
          ),
        )
        .finally(() => inFlight.delete(token.id)),
    );
  };
}
