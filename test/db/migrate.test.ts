import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { migrate } from "drizzle-orm/pg-core";
import { afterEach, describe, expect, it } from "vitest";
import { createSql, type Database, type SqlHandle } from "../../db/client.ts";
import { MIGRATIONS_FOLDER, migrateDatabase } from "../../db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

const opened: Array<TestDatabase | SqlHandle> = [];
afterEach(async () => {
  // Extra handles first: a server database is dropped on close and must have no sessions left.
  for (const resource of opened.reverse()) await resource.close();
  opened.length = 0;
});

async function emptyDatabase(): Promise<TestDatabase> {
  const test = await createTestDatabase({ migrated: false });
  opened.push(test);
  return test;
}

async function migrationFolders(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_FOLDER, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function appliedMigrations(db: Database): Promise<string[]> {
  const rows = await db.execute<{ name: string }>(
    sql`select name from drizzle.__drizzle_migrations order by id`,
    "objects",
  );
  return rows.map((row) => row.name);
}

async function publicTables(db: Database): Promise<string[]> {
  const rows = await db.execute<{ name: string }>(
    sql`select table_name as name from information_schema.tables
        where table_schema = 'public' order by table_name`,
    "objects",
  );
  return rows.map((row) => row.name);
}

describe("migrateDatabase", () => {
  it("creates every table in an empty database", async () => {
    const { sql: handle } = await emptyDatabase();
    expect(await publicTables(handle.db)).toEqual([]);

    await migrateDatabase(handle);

    expect(await publicTables(handle.db)).toEqual([
      "admin_tokens",
      "agents",
      "audit_checkpoints",
      "audit_events",
      "budgets",
      "delegation_grants",
      "guardrail_events",
      "guardrail_policies",
      "model_deployments",
      "model_prices",
      "model_routes",
      "orgs",
      "providers",
      "rate_limits",
      "teams",
      "usage_dead_letters",
      "usage_records",
      "virtual_key_secrets",
      "virtual_keys",
      "webhooks",
    ]);
    expect(await appliedMigrations(handle.db)).toEqual(await migrationFolders());
  });

  it("changes nothing when run again", async () => {
    const { sql: handle } = await emptyDatabase();
    await migrateDatabase(handle);

    await migrateDatabase(handle);

    expect(await appliedMigrations(handle.db)).toEqual(await migrationFolders());
  });

  it("applies the migrations a database lacks (an upgrade), not only all or none", async () => {
    const { sql: handle } = await emptyDatabase();
    const all = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
    // The database as an older release left it: every migration but the newest.
    await migrate(all.slice(0, -1), handle.db, { migrationsFolder: MIGRATIONS_FOLDER });
    expect(await appliedMigrations(handle.db)).toEqual((await migrationFolders()).slice(0, -1));

    await migrateDatabase(handle);

    expect(await appliedMigrations(handle.db)).toEqual(await migrationFolders());
  });

  it("applies each migration once when two instances start at the same time", async () => {
    const test = await emptyDatabase();
    // A second instance is a second pool; in-memory PGlite has one handle, called twice.
    const second = test.sqlOptions ? await createSql(test.sqlOptions) : test.sql;
    if (second !== test.sql) opened.push(second);

    await Promise.all([migrateDatabase(test.sql), migrateDatabase(second)]);

    expect(await appliedMigrations(test.sql.db)).toEqual(await migrationFolders());
  });

  it("finds its migrations whatever the working directory", async () => {
    const { sql: handle } = await emptyDatabase();
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      await migrateDatabase(handle);
    } finally {
      process.chdir(cwd);
    }
    expect(await appliedMigrations(handle.db)).toEqual(await migrationFolders());
  });
});
