/**
 * Virtual key authentication: checksum first (typos fail with no lookup), then a keyed-hash
 * lookup, cached in-process so a warm key costs no SQL. Expiry and rotation grace are checked
 * against the clock on every call, so a cached entry never outlives them; a revocation is seen at
 * once by the instance that made it and by others within CACHE_TTL_MS.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Database } from "../../db/client.ts";
import { virtualKeySecrets, virtualKeys } from "../../db/schema/index.ts";
import type { BackgroundTasks } from "../background.ts";
import type { Keyring } from "../security/keyring.ts";
import { isWellFormedToken, TOKEN_KINDS } from "../security/token-format.ts";
import type { Principal } from "./principal.ts";

const CACHE_TTL_MS = 30_000;
/** `lastUsedAt` is written at most this often per key: it says "in use lately", not an audit. */
export const KEY_LAST_USED_RESOLUTION_MS = 60_000;
const NEGATIVE_CACHE_TTL_MS = 5_000;

export type KeyAuthentication =
  | { ok: true; principal: Principal }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" | "expired" }
  /** The key could not be looked up (Postgres unreachable): nothing is known about it yet. */
  | { ok: false; reason: "unavailable"; error: unknown };

interface KeyRecord {
  principal: Principal;
  keyExpiresAt: number | null;
  secretExpiresAt: number | null;
  revoked: boolean;
  /** When lastUsedAt was last known to be written (from the row, then by this instance). */
  lastUsedAt: number | null;
}

type CacheEntry = { found: true; record: KeyRecord } | { found: false };

export interface VirtualKeyAuthenticator {
  authenticate(secret: string): Promise<KeyAuthentication>;
  /** Drop every cached secret of a key (after revoke or rotate on this instance). */
  forget(keyId: string): void;
  /** Drop every cached key of an org (another instance changed one: see limits-config.ts). */
  forgetOrg(orgId: string): void;
}

export function createVirtualKeyAuthenticator(options: {
  db: Database;
  keyring: Keyring;
  now?: () => number;
  /** Runs the lazy lastUsedAt write off the response path; absent, it is not recorded. */
  background?: BackgroundTasks;
}): VirtualKeyAuthenticator {
  const now = options.now ?? Date.now;
  const noteUse = lastUsedRecorder(options.db, options.background);
  // The cache keeps time by the same clock as expiry checks, so both move together in tests.
  const cache = new LRUCache<string, CacheEntry>({
    max: 50_000,
    ttl: CACHE_TTL_MS,
    perf: { now },
    ttlResolution: 0,
  });

  async function load(secretHash: string): Promise<CacheEntry> {
    const rows = await options.db
      .select({ key: virtualKeys, secretExpiresAt: virtualKeySecrets.expiresAt })
      .from(virtualKeySecrets)
      .innerJoin(virtualKeys, eq(virtualKeys.id, virtualKeySecrets.keyId))
      .where(eq(virtualKeySecrets.secretHash, secretHash))
      .limit(1);
    const row = rows[0];
    if (!row) return { found: false };
    const key = row.key;
    return {
      found: true,
      record: {
        principal: {
          orgId: key.orgId,
          teamId: key.teamId,
          agentId: key.agentId,
          keyId: key.id,
          keyName: key.name,
          models: key.models,
          rpm: key.rpm,
          tpm: key.tpm,
          maxConcurrency: key.maxConcurrency,
          cacheTtlSeconds: key.cacheTtlSeconds,
        },
        keyExpiresAt: key.expiresAt?.getTime() ?? null,
        secretExpiresAt: row.secretExpiresAt?.getTime() ?? null,
        revoked: key.revokedAt !== null,
        lastUsedAt: key.lastUsedAt?.getTime() ?? null,
      },
    };
  }

  return {
    async authenticate(secret) {
      if (!isWellFormedToken(secret, TOKEN_KINDS.virtualKey))
        return { ok: false, reason: "malformed" };
      const secretHash = await options.keyring.hashSecret(secret);
      let entry = cache.get(secretHash);
      if (!entry) {
        try {
          entry = await load(secretHash);
        } catch (error) {
          // Not cached: the next call asks again, and the key works as soon as Postgres is back.
          return { ok: false, reason: "unavailable", error };
        }
        cache.set(secretHash, entry, entry.found ? {} : { ttl: NEGATIVE_CACHE_TTL_MS });
      }
      if (!entry.found) return { ok: false, reason: "unknown" };
      const { record } = entry;
      if (record.revoked) return { ok: false, reason: "revoked" };
      const time = now();
      if (record.keyExpiresAt !== null && record.keyExpiresAt <= time) {
        return { ok: false, reason: "expired" };
      }
      if (record.secretExpiresAt !== null && record.secretExpiresAt <= time) {
        return { ok: false, reason: "expired" };
      }
      noteUse(record, time);
      return { ok: true, principal: record.principal };
    },
    forget(keyId) {
      for (const [hash, entry] of cache.entries()) {
        if (entry.found && entry.record.principal.keyId === keyId) cache.delete(hash);
      }
    },
    forgetOrg(orgId) {
      for (const [hash, entry] of cache.entries()) {
        if (entry.found && entry.record.principal.orgId === orgId) cache.delete(hash);
      }
    },
  };
}

/**
 * Writes a key's `lastUsedAt` off the response path, only when the known value is older than
 * the resolution: a warm key costs one UPDATE a minute, not one per call. The cached record
 * remembers the write, so concurrent calls on one instance queue one write; the conditional
 * UPDATE keeps instances racing on one key to one write per period.
 */
function lastUsedRecorder(db: Database, background: BackgroundTasks | undefined) {
  return (record: KeyRecord, time: number) => {
    if (!background) return;
    const staleBefore = time - KEY_LAST_USED_RESOLUTION_MS;
    if (record.lastUsedAt !== null && record.lastUsedAt > staleBefore) return;
    record.lastUsedAt = time;
    const keyId = record.principal.keyId;
    background.run("virtual key last used", () =>
      db
        .update(virtualKeys)
        .set({ lastUsedAt: new Date(time) })
        .where(
          and(
            eq(virtualKeys.id, keyId),
            or(isNull(virtualKeys.lastUsedAt), lt(virtualKeys.lastUsedAt, new Date(staleBefore))),
          ),
        ),
    );
  };
}
