/**
 * Virtual key authentication (DESIGN.md, pipeline step 2): a typo fails on its checksum with no
 * lookup, a known key is one keyed-hash lookup and then served from memory, and expiry, revocation
 * and rotation are honoured. Keys are stored the way createVirtualKey stores them, in a real
 * database (PGlite, or DATABASE_URL's server).
 */
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../../db/client.ts";
import { orgs, teams, virtualKeySecrets, virtualKeys } from "../../../db/schema/index.ts";
import {
  createVirtualKeyAuthenticator,
  type VirtualKeyAuthenticator,
} from "../../../functions/auth/virtual-keys.ts";
import { createKeyring, type Keyring } from "../../../functions/security/keyring.ts";
import { mintToken, TOKEN_KINDS } from "../../../functions/security/token-format.ts";
import { createTestDatabase, type TestDatabase, truncateAll } from "../../support/database.ts";

const HOUR = 3_600_000;

let test: TestDatabase;
let keyring: Keyring;
let orgId: string;
let teamId: string;

/** The database, with a count of every use the authenticator makes of it. */
let counted: { db: Database; uses: number };
/** The authenticator's clock: tests move it instead of sleeping. */
let clock: { now: number };
let auth: VirtualKeyAuthenticator;

beforeAll(async () => {
  test = await createTestDatabase();
  keyring = await createKeyring("unit-test-encryption-key-0123456789abcdef");
});
afterAll(() => test.close());
beforeEach(async () => {
  const [org] = await test.sql.db.insert(orgs).values({ name: "acme" }).returning();
  if (!org) throw new Error("insert returned no row");
  orgId = org.id;
  const [team] = await test.sql.db.insert(teams).values({ orgId, name: "search" }).returning();
  if (!team) throw new Error("insert returned no row");
  teamId = team.id;
  counted = countingDatabase(test.sql.db);
  clock = { now: Date.now() };
  auth = createVirtualKeyAuthenticator({ db: counted.db, keyring, now: () => clock.now });
});
afterEach(() => truncateAll(test.sql.db));

/** Every property the code under test reads from `db` counts as one use: a warm path reads none. */
function countingDatabase(db: Database): { db: Database; uses: number } {
  const counter = { db, uses: 0 };
  counter.db = new Proxy(db, {
    get(target, property) {
      counter.uses++;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return counter;
}

interface KeyOptions {
  name?: string;
  teamId?: string | null;
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  maxConcurrency?: number | null;
  expiresAt?: Date | null;
  revokedAt?: Date | null;
}

/** Stores a key as createVirtualKey does: the row, and only the keyed hash of its secret. */
async function createKey(options: KeyOptions = {}): Promise<{ id: string; secret: string }> {
  const minted = mintToken(TOKEN_KINDS.virtualKey);
  const [key] = await test.sql.db
    .insert(virtualKeys)
    .values({
      orgId,
      teamId: options.teamId ?? null,
      name: options.name ?? "search-backend",
      prefix: minted.prefix,
      models: options.models ?? null,
      rpm: options.rpm ?? null,
      tpm: options.tpm ?? null,
      maxConcurrency: options.maxConcurrency ?? null,
      expiresAt: options.expiresAt ?? null,
      revokedAt: options.revokedAt ?? null,
    })
    .returning();
  if (!key) throw new Error("insert returned no row");
  await addSecret(key.id, minted.secret);
  return { id: key.id, secret: minted.secret };
}

async function addSecret(keyId: string, secret: string, expiresAt: Date | null = null) {
  const secretHash = await keyring.hashSecret(secret);
  await test.sql.db.insert(virtualKeySecrets).values({ keyId, secretHash, expiresAt });
}

describe("a valid key", () => {
  it("authenticates as its org, team and key, with the key's limits", async () => {
    const key = await createKey({
      name: "search-backend",
      teamId,
      models: ["gpt-4o", "anthropic/*"],
      rpm: 60,
      tpm: 90_000,
      maxConcurrency: 4,
    });
    expect(await auth.authenticate(key.secret)).toEqual({
      ok: true,
      principal: {
        orgId,
        teamId,
        agentId: null,
        keyId: key.id,
        keyName: "search-backend",
        models: ["gpt-4o", "anthropic/*"],
        rpm: 60,
        tpm: 90_000,
        maxConcurrency: 4,
        cacheTtlSeconds: null,
      },
    });
  });

  it("without a team or limits authenticates with nulls, not defaults", async () => {
    const key = await createKey();
    const result = await auth.authenticate(key.secret);
    expect(result.ok && result.principal).toMatchObject({
      teamId: null,
      models: null,
      rpm: null,
      tpm: null,
      maxConcurrency: null,
    });
  });

  it("costs a lookup when cold and none at all when warm", async () => {
    const key = await createKey();
    await auth.authenticate(key.secret);
    expect(counted.uses).toBeGreaterThan(0);

    counted.uses = 0;
    for (let i = 0; i < 5; i++) expect((await auth.authenticate(key.secret)).ok).toBe(true);
    expect(counted.uses).toBe(0);
  });

  it("is looked up again after 30 seconds, so other instances' changes arrive", async () => {
    const key = await createKey();
    await auth.authenticate(key.secret);
    clock.now += 29_000;
    counted.uses = 0;
    await auth.authenticate(key.secret);
    expect(counted.uses).toBe(0);
    clock.now += 1_001;
    await auth.authenticate(key.secret);
    expect(counted.uses).toBeGreaterThan(0);
  });

  it("is told apart from another key of the same org", async () => {
    const first = await createKey({ name: "first" });
    const second = await createKey({ name: "second" });
    const one = await auth.authenticate(first.secret);
    const two = await auth.authenticate(second.secret);
    expect(one.ok && one.principal.keyId).toBe(first.id);
    expect(two.ok && two.principal.keyId).toBe(second.id);
  });
});

describe("a malformed secret", () => {
  it.each([
    ["an empty string", ""],
    ["a provider key", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"],
    ["a bare prefix", "sy-"],
    ["an admin token", mintToken(TOKEN_KINDS.adminToken).secret],
    ["a delegation grant token", mintToken(TOKEN_KINDS.delegationGrant).secret],
  ])("is refused as malformed without a lookup: %s", async (_label, secret) => {
    expect(await auth.authenticate(secret)).toEqual({ ok: false, reason: "malformed" });
    expect(counted.uses).toBe(0);
  });

  it("with a one-character typo in a real key is refused as malformed without a lookup", async () => {
    const key = await createKey();
    const last = key.secret.at(-1) === "a" ? "b" : "a";
    const typo = `${key.secret.slice(0, -1)}${last}`;
    expect(await auth.authenticate(typo)).toEqual({ ok: false, reason: "malformed" });
    expect(await auth.authenticate(key.secret.slice(0, -1))).toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(counted.uses).toBe(0);
  });
});

describe("an unknown secret", () => {
  it("is refused as unknown", async () => {
    await createKey();
    const never = mintToken(TOKEN_KINDS.virtualKey).secret;
    expect(await auth.authenticate(never)).toEqual({ ok: false, reason: "unknown" });
    expect(counted.uses).toBeGreaterThan(0);
  });

  it("is remembered for a moment, so repeating it costs no lookup", async () => {
    const never = mintToken(TOKEN_KINDS.virtualKey).secret;
    await auth.authenticate(never);
    counted.uses = 0;
    expect(await auth.authenticate(never)).toEqual({ ok: false, reason: "unknown" });
    expect(await auth.authenticate(never)).toEqual({ ok: false, reason: "unknown" });
    expect(counted.uses).toBe(0);
  });

  it("is looked up again after 5 seconds, so a key created since then works", async () => {
    const never = mintToken(TOKEN_KINDS.virtualKey).secret;
    await auth.authenticate(never);
    clock.now += 4_000;
    counted.uses = 0;
    await auth.authenticate(never);
    expect(counted.uses).toBe(0);
    clock.now += 1_001;
    await auth.authenticate(never);
    expect(counted.uses).toBeGreaterThan(0);
  });

  it("is remembered per secret: another unknown secret is looked up", async () => {
    await auth.authenticate(mintToken(TOKEN_KINDS.virtualKey).secret);
    counted.uses = 0;
    await auth.authenticate(mintToken(TOKEN_KINDS.virtualKey).secret);
    expect(counted.uses).toBeGreaterThan(0);
  });

  it("hashed under another ENCRYPTION_KEY does not match a stored key", async () => {
    const key = await createKey();
    const otherKeyring = await createKeyring("another-encryption-key-0123456789abcdef");
    const other = createVirtualKeyAuthenticator({ db: test.sql.db, keyring: otherKeyring });
    expect(await other.authenticate(key.secret)).toEqual({ ok: false, reason: "unknown" });
  });
});

describe("a revoked key", () => {
  it("is refused as revoked", async () => {
    const key = await createKey({ revokedAt: new Date(clock.now - 1_000) });
    expect(await auth.authenticate(key.secret)).toEqual({ ok: false, reason: "revoked" });
  });

  it("is refused as revoked even when it has also expired", async () => {
    const key = await createKey({
      revokedAt: new Date(clock.now - 2 * HOUR),
      expiresAt: new Date(clock.now - HOUR),
    });
    expect(await auth.authenticate(key.secret)).toEqual({ ok: false, reason: "revoked" });
  });
});

describe("an expired key", () => {
  it("is refused as expired", async () => {
    const key = await createKey({ expiresAt: new Date(clock.now - 1_000) });
    expect(await auth.authenticate(key.secret)).toEqual({ ok: false, reason: "expired" });
  });

  it("is refused at the very moment it expires", async () => {
    const expiresAt = new Date(clock.now + HOUR);
    const key = await createKey({ expiresAt });
    clock.now = expiresAt.getTime() - 1;
    expect((await auth.authenticate(key.secret)).ok).toBe(true);
    clock.now = expiresAt.getTime();
    expect(await auth.authenticate(key.secret)).toEqual({ ok: false, reason: "expired" });
  });

  it("is refused once expired even while it is cached", async () => {
    // Expires well within the 30 s cache lifetime: the cached entry itself must be refused.
    const key = await createKey({ expiresAt: new Date(clock.now + 10_000) });
    expect((await auth.authenticate(key.secret)).ok).toBe(true);
    counted.uses = 0;
    clock.now += 10_001;
    expect(await auth.authenticate(key.secret)).toEqual({ ok: false, reason: "expired" });
    expect(counted.uses).toBe(0);
  });
});

describe("a rotated key", () => {
  it("accepts the old secret during the grace period and refuses it after", async () => {
    const key = await createKey();
    const graceEndsAt = new Date(clock.now + 60_000);
    await test.sql.db
      .update(virtualKeySecrets)
      .set({ expiresAt: graceEndsAt })
      .where(eq(virtualKeySecrets.keyId, key.id));
    const rotated = mintToken(TOKEN_KINDS.virtualKey).secret;
    await addSecret(key.id, rotated);

    const old = await auth.authenticate(key.secret);
    const current = await auth.authenticate(rotated);
    expect(old.ok && old.principal.keyId).toBe(key.id);
    expect(current.ok && current.principal.keyId).toBe(key.id);

    clock.now = graceEndsAt.getTime();
    expect(await auth.authenticate(key.secret)).toEqual({ ok: false, reason: "expired" });
    expect((await auth.authenticate(rotated)).ok).toBe(true);
  });
});

describe("forget(keyId)", () => {
  it("makes a revocation made on this instance effective at once", async () => {
    const key = await createKey();
    expect((await auth.authenticate(key.secret)).ok).toBe(true);
    await test.sql.db
      .update(virtualKeys)
      .set({ revokedAt: new Date(clock.now) })
      .where(eq(virtualKeys.id, key.id));
    // Until told, the warm entry is served from memory (other instances: up to the cache TTL).
    expect((await auth.authenticate(key.secret)).ok).toBe(true);

    auth.forget(key.id);
    expect(await auth.authenticate(key.secret)).toEqual({ ok: false, reason: "revoked" });
  });

  it("drops every cached secret of the key", async () => {
    const key = await createKey();
    const second = mintToken(TOKEN_KINDS.virtualKey).secret;
    await addSecret(key.id, second);
    await auth.authenticate(key.secret);
    await auth.authenticate(second);

    auth.forget(key.id);
    counted.uses = 0;
    await auth.authenticate(key.secret);
    const afterFirst = counted.uses;
    await auth.authenticate(second);
    expect(afterFirst).toBeGreaterThan(0);
    expect(counted.uses).toBeGreaterThan(afterFirst);
  });

  it("leaves other keys warm", async () => {
    const forgotten = await createKey({ name: "forgotten" });
    const kept = await createKey({ name: "kept" });
    await auth.authenticate(forgotten.secret);
    await auth.authenticate(kept.secret);

    auth.forget(forgotten.id);
    counted.uses = 0;
    expect((await auth.authenticate(kept.secret)).ok).toBe(true);
    expect(counted.uses).toBe(0);
  });

  it("of a key nobody has used is harmless", async () => {
    const key = await createKey();
    expect(() => auth.forget(crypto.randomUUID())).not.toThrow();
    expect((await auth.authenticate(key.secret)).ok).toBe(true);
  });
});

describe("while Postgres cannot be asked", () => {
  /** The database, with every query failing as a refused connection while `outage.down`. */
  function unreachableWhile(outage: { down: boolean }): Database {
    return new Proxy(test.sql.db, {
      get(target, property, receiver) {
        if (property === "select" && outage.down) {
          return () => {
            throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
  }

  it("answers unavailable for a key it has not cached, not unknown", async () => {
    const key = await createKey();
    const outage = { down: true };
    const offline = createVirtualKeyAuthenticator({ db: unreachableWhile(outage), keyring });
    const result = await offline.authenticate(key.secret);
    expect(result).toMatchObject({ ok: false, reason: "unavailable" });
  });

  it("does not remember the failure: the key works as soon as Postgres is back", async () => {
    const key = await createKey();
    const outage = { down: true };
    const offline = createVirtualKeyAuthenticator({ db: unreachableWhile(outage), keyring });
    await offline.authenticate(key.secret);
    outage.down = false;
    expect((await offline.authenticate(key.secret)).ok).toBe(true);
  });

  it("still authenticates a key it has cached", async () => {
    const key = await createKey();
    const outage = { down: false };
    const offline = createVirtualKeyAuthenticator({ db: unreachableWhile(outage), keyring });
    await offline.authenticate(key.secret);
    outage.down = true;
    expect((await offline.authenticate(key.secret)).ok).toBe(true);
  });
});
