import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSql } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import { budgets, orgs, teams, usageRecords } from "../../db/schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

describe("createSql picks the driver", () => {
  // Pools connect lazily, so none of these touches the network. No URL → PGlite is covered below.
  it.each([
    [{ databaseUrl: "postgres://u@db.internal:5432/app" }, "pg"],
    [{ databaseUrl: "postgres://u@ep-cool-1234.eu-central-1.aws.neon.tech/app" }, "neon"],
    [{ databaseUrl: "postgres://u@db.internal:5432/app", driver: "neon" as const }, "neon"],
    [{ databaseUrl: "postgres://u@ep-x.us-east-2.aws.neon.tech/app", driver: "pg" as const }, "pg"],
  ])("%j → %s", async (options, driver) => {
    const handle = await createSql({ ...options, dataDir: "unused-with-a-database-url" });
    expect(handle.driver).toBe(driver);
    await handle.close();
  });
});

describe("ping", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(() => test.close());

  it("runs on the driver this test run asked for", () => {
    // Guards the matrix itself: a CI leg that silently fell back to PGlite would prove nothing.
    const database = inject("switchyardDatabase");
    expect(test.sql.driver).toBe(database.kind === "pglite" ? "pglite" : database.driver);
  });

  it("answers true when the database is reachable", async () => {
    expect(await test.sql.ping()).toBe(true);
  });

  it("answers false, without throwing, when the server refuses connections", async () => {
    const handle = await createSql({
      databaseUrl: "postgres://postgres@127.0.0.1:1/none",
      dataDir: "unused",
    });
    expect(await handle.ping()).toBe(false);
    await handle.close();
  });

  it("answers false once the handle is closed", async () => {
    const own = await createTestDatabase();
    await own.sql.close();
    expect(await own.sql.ping()).toBe(false);
    await own.close();
  });
});

describe("values round-trip with the same JS types on every driver", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(() => test.close());

  it("keeps nano-USD integers, arrays, JSON and instants exact", async () => {
    const { db } = test.sql;
    const [org] = await db.insert(orgs).values({ name: "acme" }).returning();
    if (!org) throw new Error("insert returned no row");
    const createdAt = new Date("2026-01-02T03:04:05.678Z");
    const chain = [crypto.randomUUID(), crypto.randomUUID()];
    // Above 2^31 and with a nano digit: a float or int4 on the way would show.
    const costNanoUsd = 9_007_199_254_740_991;

    await db.insert(usageRecords).values({
      requestId: "req_types",
      orgId: org.id,
      delegationChain: chain,
      endpoint: "/v1/chat/completions",
      provider: "openai",
      model: "gpt-4o",
      status: 200,
      stream: true,
      cacheHit: false,
      attempts: 2,
      inputTokens: 1,
      outputTokens: 2,
      cachedInputTokens: 0,
      usageEstimated: true,
      costNanoUsd,
      latencyMs: 3,
      metadata: { tags: ["a"], nested: { n: 1 } },
      createdAt,
    });
    await db.insert(budgets).values({
      orgId: org.id,
      scope: "ORG",
      scopeId: org.id,
      limitNanoUsd: 12_345_678_901,
      window: "30d",
      alertThresholds: [0.5, 0.9, 1],
    });

    const [usage] = await db.select().from(usageRecords);
    const [budget] = await db.select().from(budgets);

    expect(usage).toMatchObject({
      costNanoUsd,
      delegationChain: chain,
      metadata: { tags: ["a"], nested: { n: 1 } },
      createdAt,
      stream: true,
      usageEstimated: true,
    });
    expect(budget).toMatchObject({
      limitNanoUsd: 12_345_678_901,
      alertThresholds: [0.5, 0.9, 1],
      scope: "ORG",
    });
  });

  it("loads relations through the relational query API", async () => {
    const { db } = test.sql;
    const [org] = await db.insert(orgs).values({ name: "globex" }).returning();
    if (!org) throw new Error("insert returned no row");
    await db.insert(teams).values([
      { orgId: org.id, name: "a" },
      { orgId: org.id, name: "b" },
    ]);

    const found = await db.query.orgs.findFirst({
      where: { id: org.id },
      with: { teams: { orderBy: { name: "asc" }, columns: { name: true } } },
    });

    expect(found?.teams).toEqual([{ name: "a" }, { name: "b" }]);
  });
});

// Initialising a PGlite cluster on disk takes seconds: run it where PGlite is the backend under test.
describe.runIf(inject("switchyardDatabase").kind === "pglite")("embedded PGlite", () => {
  it("keeps its data in <dataDir>/pglite across close and reopen", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "switchyard-pglite-"));
    try {
      const first = await createSql({ dataDir });
      expect(first.driver).toBe("pglite");
      await migrateDatabase(first);
      await first.db.insert(orgs).values({ name: "persisted" });
      await first.close();

      const reopened = await createSql({ dataDir });
      const rows = await reopened.db.select({ name: orgs.name }).from(orgs);
      // PGLITE_SETTINGS reach the server (Postgres's 128 MB default would cost 120 MB of RSS).
      const [buffers] = await reopened.db.execute<{ shared_buffers: string }>(
        sql`show shared_buffers`,
        "objects",
      );
      await reopened.close();

      expect(rows).toEqual([{ name: "persisted" }]);
      expect(buffers?.shared_buffers).toBe("16MB");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
