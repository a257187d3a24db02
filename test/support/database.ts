/**
 * A fresh, migrated, isolated database per call, on the backend the environment picks:
 *
 * | environment                                  | backend                                    |
 * |----------------------------------------------|--------------------------------------------|
 * | no DATABASE_URL                              | in-memory PGlite loaded from a template    |
 * | DATABASE_URL                                 | a new database on that server, through pg  |
 * | DATABASE_URL + SWITCHYARD_SQL_DRIVER=neon    | the same, through the Neon driver over a   |
 * |                                              | local WebSocket proxy (global setup)       |
 *
 * test/global-setup.ts migrates one template per run (a PGlite dump, or a template database) and
 * hands it over with vitest's `provide` (PGlite dumps are cached across runs); each call copies
 * it, so test files run in parallel and never see each other's rows. Within a file, share one database and `truncateAll` between tests.
 *
 * ```ts
 * let test: TestDatabase;
 * beforeAll(async () => { test = await createTestDatabase(); });
 * afterAll(() => test.close());
 * afterEach(() => truncateAll(test.sql.db));
 * ```
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import { inject } from "vitest";
import {
  createSql,
  type Database,
  pgliteStartParams,
  type SqlHandle,
  type SqlOptions,
  sqlHandleFromPglite,
} from "../../db/client.ts";
import * as schema from "../../db/schema/index.ts";

/** What test/global-setup.ts provides; one shape per backend. */
export type TestDatabaseTemplate =
  | {
      kind: "pglite";
      /** Files holding `dumpDataDir()` tarballs of a fresh cluster, before and after migrating. */
      emptyDump: string;
      migratedDump: string;
    }
  | {
      kind: "server";
      /** DATABASE_URL: test databases are created and dropped through it. */
      adminUrl: string;
      /** A migrated database, copied by `CREATE DATABASE … TEMPLATE`. */
      templateName: string;
      /** Prefix of every database this run creates, so global teardown can sweep leftovers. */
      databasePrefix: string;
      driver: "pg" | "neon";
      neonWsProxy: string | undefined;
    };

declare module "vitest" {
  export interface ProvidedContext {
    switchyardDatabase: TestDatabaseTemplate;
  }
}

export interface TestDatabase {
  sql: SqlHandle;
  /**
   * What `createSql` needs to open another, independent handle on this database (a second
   * instance, or the app built from config); undefined for in-memory PGlite, which has one handle.
   */
  sqlOptions: SqlOptions | undefined;
  /** Closes the connection and drops the database (PGlite: frees the in-memory copy). */
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** false → an empty database, for tests of the migrations themselves. Default true. */
  migrated?: boolean;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  const template = inject("switchyardDatabase");
  if (template.kind === "pglite") {
    return loadPglite(migrated ? template.migratedDump : template.emptyDump);
  }
  const name = `${template.databasePrefix}${randomBytes(6).toString("hex")}`;
  // template0 is the pristine cluster template: "empty" must mean empty.
  const source = migrated ? template.templateName : "template0";
  await adminRows(template.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${source}"`);
  const sqlOptions: SqlOptions = {
    databaseUrl: databaseUrlFor(template.adminUrl, name),
    driver: template.driver,
    dataDir: "unused-with-a-database-url",
    neonWsProxy: template.neonWsProxy,
  };
  const handle = await createSql(sqlOptions);
  return {
    sql: handle,
    sqlOptions,
    async close() {
      await handle.close();
      await dropDatabase(template.adminUrl, name);
    },
  };
}

/** Empties every application table, not the migrations journal (PGlite: about 0.1 s). */
export async function truncateAll(db: Database): Promise<void> {
  const exported: unknown[] = Object.values(schema);
  const tables = exported
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => sql.identifier(getTableName(table)));
  await db.execute(sql`truncate ${sql.join(tables, sql`, `)} restart identity cascade`);
}

/** The tarballs are the same for every call in a worker: read each once. */
const dumps = new Map<string, Promise<Blob>>();

async function loadPglite(dumpFile: string): Promise<TestDatabase> {
  let dump = dumps.get(dumpFile);
  if (!dump) {
    dump = readFile(dumpFile).then((bytes) => new Blob([bytes]));
    dumps.set(dumpFile, dump);
  }
  const { PGlite } = await import("@electric-sql/pglite");
  // No dataDir: the copy lives in memory and disappears on close. With the gateway's own settings:
  // besides matching production, 16 MB of shared buffers opens ~0.5 s sooner than the default.
  const client = await PGlite.create({
    loadDataDir: await dump,
    startParams: pgliteStartParams(PGlite.defaultStartParams),
  });
  const handle = await sqlHandleFromPglite(client);
  return { sql: handle, sqlOptions: undefined, close: () => handle.close() };
}

export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Runs one statement on the server of `serverUrl` and returns the `datname` column, if any.
 * One short-lived connection per statement: nothing stays open to outlive a worker.
 */
export async function adminRows(
  serverUrl: string,
  statement: string,
  values: string[] = [],
): Promise<string[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>(statement, values);
    return result.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  // FORCE (Postgres 13+) ends sessions a test left open instead of failing on them.
  await adminRows(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
