/**
 * Admin tokens can be revoked, rotated and given an expiry, effective at once on every instance
 * sharing the database; each records roughly when it was last used.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "../../db/redis.ts";
import { adminTokens } from "../../db/schema/index.ts";
import { type App, createApp } from "../../functions/app.ts";
import { silentLogger } from "../../functions/log.ts";
import { type Services, startServices } from "../../functions/services.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type Role = "OWNER" | "ADMIN" | "VIEWER";
interface Token {
  id: string;
  secret: string;
}

let gateway: TestGateway;
let secondInstance: { app: App; services: Services };
/** How far the injected clock of both instances runs ahead of the wall clock. */
let clockAheadMs = 0;
const clock = () => Date.now() + clockAheadMs;

/** Another app instance with its own process state, sharing the first one's database and keys. */
async function startSecondInstance(first: TestGateway) {
  const services = await startServices(first.services.config, {
    log: silentLogger,
    // The first instance owns the database connection and closes it.
    sql: { ...first.services.sql, close: async () => {} },
    redis: createRedis({ redisUrl: first.services.config.redisUrl }),
    migrate: false,
    clock,
  });
  return { app: createApp(services), services };
}

beforeAll(async () => {
  gateway = await startTestGateway({ clock });
  secondInstance = await startSecondInstance(gateway);
});
afterAll(async () => {
  await secondInstance?.services.close();
  await gateway?.close();
});
afterEach(() => {
  clockAheadMs = 0;
});

const codesOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
  result.errors?.map((error) => error.extensions?.code);
const uuidOf = (globalId: string) => atob(globalId).split(":")[1] ?? "";

async function createOrg(name: string): Promise<string> {
  const { createOrg } = await gateway.admin<{ createOrg: { org: { id: string } } }>(
    `mutation ($name: String!) { createOrg(input: { name: $name }) { org { id } } }`,
    { name },
  );
  return createOrg.org.id;
}

async function createToken(orgId: string, role: Role, expiresAt?: Date): Promise<Token> {
  const { createAdminToken } = await gateway.admin<{
    createAdminToken: { token: { id: string }; secret: string };
  }>(
    `mutation ($input: CreateAdminTokenInput!) {
      createAdminToken(input: $input) { token { id } secret }
    }`,
    { input: { orgId, role, name: `${role} token`, expiresAt: expiresAt?.toISOString() } },
  );
  return { id: createAdminToken.token.id, secret: createAdminToken.secret };
}

/** Asks "who am I" as a token; true when the token was accepted. */
async function accepted(secret: string, app: App = gateway.app): Promise<boolean> {
  const response = await app.fetch(
    new Request("http://switchyard.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: "{ viewer { kind } }" }),
    }),
  );
  const body = (await response.json()) as { errors?: unknown[] };
  return body.errors === undefined;
}

const revoke = (id: string, as?: string) =>
  gateway.graphql<{ revokeAdminToken: { token: { id: string; revokedAt: string | null } } }>(
    `mutation ($id: ID!) { revokeAdminToken(input: { id: $id }) { token { id revokedAt } } }`,
    { id },
    as,
  );

const rotate = (id: string, as?: string) =>
  gateway.graphql<{ rotateAdminToken: { token: { id: string; prefix: string }; secret: string } }>(
    `mutation ($id: ID!) { rotateAdminToken(input: { id: $id }) { token { id prefix } secret } }`,
    { id },
    as,
  );

async function storedToken(id: string) {
  const [row] = await gateway.services.sql.db
    .select()
    .from(adminTokens)
    .where(eq(adminTokens.id, uuidOf(id)));
  return row;
}

describe("revoking an admin token", () => {
  it("refuses the token from its next request on", async () => {
    const orgId = await createOrg("revoke-org");
    const owner = await createToken(orgId, "OWNER");
    const admin = await createToken(orgId, "ADMIN");
    expect(await accepted(admin.secret)).toBe(true);

    const result = await revoke(admin.id, owner.secret);
    expect(result.errors).toBeUndefined();
    expect(result.data?.revokeAdminToken.token.revokedAt).toBeTruthy();
    expect(await accepted(admin.secret)).toBe(false);
    expect(await accepted(owner.secret)).toBe(true);
  });

  it("is refused by a second app instance sharing the database on its next request", async () => {
    const orgId = await createOrg("two-instances");
    const token = await createToken(orgId, "VIEWER");
    // The second instance has just accepted the token, as a warm instance would have.
    expect(await accepted(token.secret, secondInstance.app)).toBe(true);

    expect((await revoke(token.id)).errors).toBeUndefined();
    expect(await accepted(token.secret, secondInstance.app)).toBe(false);
  });

  it("is allowed to the master key, and revoking twice keeps the first revocation time", async () => {
    const token = await createToken(await createOrg("master-revokes"), "ADMIN");
    const first = await revoke(token.id);
    const second = await revoke(token.id);
    expect(second.errors).toBeUndefined();
    expect(second.data?.revokeAdminToken.token.revokedAt).toBe(
      first.data?.revokeAdminToken.token.revokedAt,
    );
  });
});

describe("rotating an admin token", () => {
  it("shows a new secret once, which works at once, and refuses the old one at once", async () => {
    const orgId = await createOrg("rotate-org");
    const owner = await createToken(orgId, "OWNER");
    const admin = await createToken(orgId, "ADMIN");
    expect(await accepted(admin.secret, secondInstance.app)).toBe(true);

    const result = await rotate(admin.id, owner.secret);
    expect(result.errors).toBeUndefined();
    const rotated = result.data?.rotateAdminToken;
    expect(rotated?.token.id).toBe(admin.id);
    expect(rotated?.secret).toMatch(/^sya-[0-9A-Za-z]{36}$/);
    expect(rotated?.secret.startsWith(rotated.token.prefix)).toBe(true);

    expect(await accepted(rotated?.secret ?? "")).toBe(true);
    expect(await accepted(admin.secret)).toBe(false);
    expect(await accepted(admin.secret, secondInstance.app)).toBe(false);
    expect(JSON.stringify(await storedToken(admin.id))).not.toContain(rotated?.secret);
  });

  it("keeps the token's role", async () => {
    const orgId = await createOrg("rotate-role");
    const viewer = await createToken(orgId, "VIEWER");
    const secret = (await rotate(viewer.id)).data?.rotateAdminToken.secret ?? "";
    const write = await gateway.graphql(
      `mutation ($orgId: ID!) { createVirtualKey(input: { orgId: $orgId, name: "no" }) { secret } }`,
      { orgId },
      secret,
    );
    expect(codesOf(write)).toEqual(["FORBIDDEN"]);
  });

  it("refuses to bring a revoked token back", async () => {
    const token = await createToken(await createOrg("rotate-revoked"), "ADMIN");
    await revoke(token.id);
    expect(codesOf(await rotate(token.id))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("who may revoke or rotate", () => {
  it.each(["ADMIN", "VIEWER"] as const)(
    "not an %s of the same org, whose target token keeps working",
    async (role) => {
      const orgId = await createOrg(`not-${role}`);
      const owner = await createToken(orgId, "OWNER");
      const actor = await createToken(orgId, role);
      expect(codesOf(await revoke(owner.id, actor.secret))).toEqual(["FORBIDDEN"]);
      expect(codesOf(await rotate(owner.id, actor.secret))).toEqual(["FORBIDDEN"]);
      expect(await accepted(owner.secret)).toBe(true);
    },
  );

  it("not an OWNER of another org, to whom the token does not exist", async () => {
    const victim = await createToken(await createOrg("victim"), "OWNER");
    const attacker = await createToken(await createOrg("attacker"), "OWNER");
    const revoked = await revoke(victim.id, attacker.secret);
    const rotated = await rotate(victim.id, attacker.secret);
    expect(codesOf(revoked)).toEqual(["NOT_FOUND"]);
    expect(codesOf(rotated)).toEqual(["NOT_FOUND"]);
    expect(JSON.stringify([revoked, rotated])).not.toContain("sya-");
    expect(await accepted(victim.secret)).toBe(true);
  });

  it("an OWNER, for its own org's tokens, its own included", async () => {
    const owner = await createToken(await createOrg("self-revoke"), "OWNER");
    expect((await revoke(owner.id, owner.secret)).errors).toBeUndefined();
    expect(await accepted(owner.secret)).toBe(false);
  });
});

describe("admin token expiry", () => {
  it("refuses an expiry in the past with BAD_USER_INPUT", async () => {
    const orgId = await createOrg("expiry-past");
    const result = await gateway.graphql(
      `mutation ($orgId: ID!) {
        createAdminToken(input: { orgId: $orgId, role: ADMIN, name: "old", expiresAt: "2001-01-01T00:00:00Z" }) { secret }
      }`,
      { orgId },
    );
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
  });

  it("accepts the token until its expiry and refuses it from then on, on every instance", async () => {
    const expiresAt = new Date(Date.now() + 60 * 60 * 1000);
    const token = await createToken(await createOrg("expiring"), "ADMIN", expiresAt);
    expect(await accepted(token.secret)).toBe(true);

    clockAheadMs = expiresAt.getTime() + 1000 - Date.now();
    expect(await accepted(token.secret)).toBe(false);
    expect(await accepted(token.secret, secondInstance.app)).toBe(false);
    expect(codesOf(await rotate(token.id))).toEqual(["BAD_USER_INPUT"]);
  });

  it("is shown on the token", async () => {
    const orgId = await createOrg("expiry-shown");
    const expiresAt = new Date(Date.now() + 86_400_000);
    await createToken(orgId, "VIEWER", expiresAt);
    const data = await gateway.admin<{
      org: { adminTokens: { edges: Array<{ node: { expiresAt: string } }> } };
    }>(`query ($orgId: ID!) { org(id: $orgId) { adminTokens { edges { node { expiresAt } } } } }`, {
      orgId,
    });
    expect(data.org.adminTokens.edges.map((edge) => edge.node.expiresAt)).toEqual([
      expiresAt.toISOString(),
    ]);
  });
});

describe("lastUsedAt", () => {
  it("is empty until the token is used, then records the use", async () => {
    const token = await createToken(await createOrg("last-used"), "VIEWER");
    expect((await storedToken(token.id))?.lastUsedAt).toBeNull();
    const before = Date.now();
    expect(await accepted(token.secret)).toBe(true);
    await gateway.services.background.drain();
    const lastUsedAt = (await storedToken(token.id))?.lastUsedAt;
    expect(lastUsedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("is written at most about once a minute per token", async () => {
    const token = await createToken(await createOrg("last-used-rate"), "VIEWER");
    await accepted(token.secret);
    await gateway.services.background.drain();
    const first = (await storedToken(token.id))?.lastUsedAt;

    clockAheadMs = 30_000;
    await accepted(token.secret);
    await accepted(token.secret, secondInstance.app);
    await gateway.services.background.drain();
    await secondInstance.services.background.drain();
    expect((await storedToken(token.id))?.lastUsedAt).toEqual(first);

    clockAheadMs = 91_000;
    await accepted(token.secret);
    const usedAt = clock();
    await gateway.services.background.drain();
    const written = (await storedToken(token.id))?.lastUsedAt?.getTime() ?? 0;
    // The instant the injected clock read during the request, not the wall clock's.
    expect(written).toBeGreaterThan(usedAt - 5_000);
    expect(written).toBeLessThanOrEqual(usedAt);
  });

  it("never fails the request when it cannot be written", async () => {
    const token = await createToken(await createOrg("last-used-broken"), "VIEWER");
    const db = gateway.services.sql.db;
    await db.execute(sql`
      create function refuse_last_used() returns trigger language plpgsql as $$
      begin raise exception 'last_used_at is not writable'; end $$`);
    await db.execute(sql`
      create trigger refuse_last_used before update of last_used_at on admin_tokens
      for each row execute function refuse_last_used()`);
    try {
      expect(await accepted(token.secret)).toBe(true);
      await gateway.services.background.drain();
      expect((await storedToken(token.id))?.lastUsedAt).toBeNull();
    } finally {
      await db.execute(sql`drop trigger refuse_last_used on admin_tokens`);
      await db.execute(sql`drop function refuse_last_used()`);
    }
  });
});
