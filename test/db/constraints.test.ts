import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import {
  adminTokens,
  agents,
  auditEvents,
  budgets,
  delegationGrants,
  modelRoutes,
  orgs,
  providers,
  teams,
  usageRecords,
  virtualKeySecrets,
  virtualKeys,
} from "../../db/schema/index.ts";
import { createTestDatabase, type TestDatabase, truncateAll } from "../support/database.ts";
import { CHECK_VIOLATION, sqlStateOf, UNIQUE_VIOLATION } from "./pg-error.ts";

let test: TestDatabase;
let db: Database;
beforeAll(async () => {
  test = await createTestDatabase();
  db = test.sql.db;
});
afterAll(() => test.close());
afterEach(() => truncateAll(db));

async function createOrg(name = "acme"): Promise<string> {
  const [org] = await db.insert(orgs).values({ name }).returning({ id: orgs.id });
  if (!org) throw new Error("insert returned no row");
  return org.id;
}

async function createKey(orgId: string): Promise<string> {
  const [key] = await db
    .insert(virtualKeys)
    .values({ orgId, name: "ci", prefix: "sk-sy-abc" })
    .returning({ id: virtualKeys.id });
  if (!key) throw new Error("insert returned no row");
  return key.id;
}

describe("secret hashes", () => {
  it("refuses a virtual key secret hash that another key already uses", async () => {
    const orgId = await createOrg();
    const first = await createKey(orgId);
    const second = await createKey(orgId);
    await db.insert(virtualKeySecrets).values({ keyId: first, secretHash: "h1" });

    const state = await sqlStateOf(
      db.insert(virtualKeySecrets).values({ keyId: second, secretHash: "h1" }),
    );

    expect(state).toBe(UNIQUE_VIOLATION);
  });

  it("keeps a rotated key's old and new secrets side by side", async () => {
    const keyId = await createKey(await createOrg());
    const graceEnd = new Date(Date.now() + 60_000);
    await db.insert(virtualKeySecrets).values([
      { keyId, secretHash: "old", expiresAt: graceEnd },
      { keyId, secretHash: "new" },
    ]);

    const secrets = await db.query.virtualKeySecrets.findMany({
      where: { keyId },
      orderBy: { secretHash: "asc" },
    });

    expect(secrets.map((secret) => [secret.secretHash, secret.expiresAt])).toEqual([
      ["new", null],
      ["old", graceEnd],
    ]);
  });

  it("refuses an admin token secret hash that is already used", async () => {
    const orgId = await createOrg();
    const token = { orgId, role: "ADMIN" as const, name: "ops", prefix: "sy_adm", secretHash: "h" };
    await db.insert(adminTokens).values(token);

    expect(await sqlStateOf(db.insert(adminTokens).values(token))).toBe(UNIQUE_VIOLATION);
  });
});

describe("names that must be unique", () => {
  it("refuses two global providers with the same name (org_id null counts as equal)", async () => {
    await db.insert(providers).values({ kind: "openai", name: "openai" });

    const state = await sqlStateOf(db.insert(providers).values({ kind: "openai", name: "openai" }));

    expect(state).toBe(UNIQUE_VIOLATION);
  });

  it("lets each org, and the global scope, have a provider of the same name", async () => {
    const acme = await createOrg("acme");
    const globex = await createOrg("globex");

    await db.insert(providers).values([
      { kind: "openai", name: "openai" },
      { orgId: acme, kind: "openai", name: "openai" },
      { orgId: globex, kind: "openai", name: "openai" },
    ]);

    expect(await db.$count(providers)).toBe(3);
  });

  it("refuses two global model routes with the same alias", async () => {
    await db.insert(modelRoutes).values({ alias: "fast", strategy: "PRIORITY" });

    const state = await sqlStateOf(
      db.insert(modelRoutes).values({ alias: "fast", strategy: "WEIGHTED" }),
    );

    expect(state).toBe(UNIQUE_VIOLATION);
  });

  it("refuses two teams with the same name in one org", async () => {
    const orgId = await createOrg();
    await db.insert(teams).values({ orgId, name: "search" });

    expect(await sqlStateOf(db.insert(teams).values({ orgId, name: "search" }))).toBe(
      UNIQUE_VIOLATION,
    );
  });

  it("refuses a second audit event with the same sequence number in the system chain", async () => {
    const event = { seq: 1, actorType: "system", action: "boot", prevHash: "", hash: "h1" };
    await db.insert(auditEvents).values(event);

    const state = await sqlStateOf(db.insert(auditEvents).values({ ...event, hash: "h2" }));

    expect(state).toBe(UNIQUE_VIOLATION);
  });
});

describe("budgets", () => {
  it("refuses a second budget for the same scope and window", async () => {
    const orgId = await createOrg();
    const budget = {
      orgId,
      scope: "ORG" as const,
      scopeId: orgId,
      limitNanoUsd: 5_000_000_000,
      window: "1d" as const,
    };
    await db.insert(budgets).values(budget);

    expect(await sqlStateOf(db.insert(budgets).values(budget))).toBe(UNIQUE_VIOLATION);
  });

  it("refuses a window that is not one of 1h, 1d, 7d, 30d, TOTAL", async () => {
    const orgId = await createOrg();
    const state = await sqlStateOf(
      // The TS type already rules "2w" out; the check guards writers that bypass it.
      db.execute(sql`insert into budgets (org_id, scope, scope_id, limit_nano_usd, "window")
                     values (${orgId}, 'ORG', ${orgId}, 1, '2w')`),
    );

    expect(state).toBe(CHECK_VIOLATION);
  });

  it("defaults alert thresholds to 80% and 100%", async () => {
    const orgId = await createOrg();
    const [budget] = await db
      .insert(budgets)
      .values({ orgId, scope: "ORG", scopeId: orgId, limitNanoUsd: 1, window: "TOTAL" })
      .returning();

    expect(budget?.alertThresholds).toEqual([0.8, 1]);
  });
});

describe("usage records", () => {
  it("stores a retried write of the same request once", async () => {
    const orgId = await createOrg();
    const record = {
      requestId: "req_1",
      orgId,
      endpoint: "/v1/chat/completions",
      provider: "mock",
      model: "echo",
      status: 200,
      stream: false,
      cacheHit: false,
      attempts: 1,
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 0,
      usageEstimated: false,
      costNanoUsd: 1_500,
      latencyMs: 12,
    };

    for (let attempt = 0; attempt < 2; attempt++) {
      await db.insert(usageRecords).values(record).onConflictDoNothing({
        target: usageRecords.requestId,
      });
    }

    expect(await db.$count(usageRecords)).toBe(1);
  });
});

describe("deleting an org", () => {
  it("removes its teams, keys, secrets, agents and grants, and keeps its usage ledger", async () => {
    const orgId = await createOrg();
    const [team] = await db.insert(teams).values({ orgId, name: "t" }).returning();
    const [alice, bob] = await db
      .insert(agents)
      .values([
        { orgId, teamId: team?.id, name: "alice" },
        { orgId, teamId: team?.id, name: "bob" },
      ])
      .returning();
    if (!alice || !bob) throw new Error("insert returned no rows");
    const [key] = await db
      .insert(virtualKeys)
      .values({ orgId, teamId: team?.id, agentId: alice.id, name: "k", prefix: "p" })
      .returning();
    if (!key) throw new Error("insert returned no row");
    await db.insert(virtualKeySecrets).values({ keyId: key.id, secretHash: "h" });
    await db.insert(delegationGrants).values({
      orgId,
      fromAgentId: alice.id,
      toAgentId: bob.id,
      chain: [alice.id, bob.id],
      depth: 1,
      maxDepth: 2,
      maxSpendNanoUsd: 1_000,
      tokenHash: "g",
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    await db.insert(usageRecords).values({
      requestId: "r",
      orgId,
      keyId: key.id,
      endpoint: "/v1/chat/completions",
      provider: "mock",
      model: "echo",
      status: 200,
      stream: false,
      cacheHit: false,
      attempts: 1,
      inputTokens: 1,
      outputTokens: 1,
      cachedInputTokens: 0,
      usageEstimated: false,
      costNanoUsd: 1,
      latencyMs: 1,
    });

    await db.delete(orgs).where(eq(orgs.id, orgId));

    const remaining = await Promise.all(
      [teams, agents, virtualKeys, virtualKeySecrets, delegationGrants, usageRecords].map((table) =>
        db.$count(table),
      ),
    );
    expect(remaining).toEqual([0, 0, 0, 0, 0, 1]);
  });
});
