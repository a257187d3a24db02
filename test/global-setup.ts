/**
 * Runs once per `vitest run`, before any worker: provides the database template that
 * test/support/database.ts copies per call.
 *
 * - no DATABASE_URL: initialise PGlite (3.5–6 s) and dump it, empty and migrated, to files that
 *   are cached across runs until the migrations change; loading a dump takes about a second.
 * - DATABASE_URL: migrate a uniquely named template database on that server; each test database
 *   is a `CREATE DATABASE … TEMPLATE` copy of it. With SWITCHYARD_SQL_DRIVER=neon, also start the
 *   WebSocket proxy the Neon driver needs against plain Postgres (unless one is configured or the
 *   server is Neon itself) and export its address as SWITCHYARD_NEON_WS_PROXY.
 *
 * It also brings dist/ up to date (`npm run build`, a no-op when nothing changed): the suites that
 * spawn `npm start` would otherwise compile it inside their server-start timeout after any edit.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { createSql, pgliteStartParams, sqlHandleFromPglite } from "../db/client.ts";
import { MIGRATIONS_FOLDER, migrateDatabase } from "../db/migrate.ts";
import { adminRows, databaseUrlFor, dropDatabase } from "./support/database.ts";
import { startNeonProxy } from "./support/neon-proxy.ts";

type Teardown = () => Promise<void>;

export default async function setup(project: TestProject): Promise<Teardown> {
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL("../scripts/build.mjs", import.meta.url))],
    {
      stdio: "inherit",
    },
  );
  const databaseUrl = process.env.DATABASE_URL || undefined;
  return databaseUrl === undefined ? setupPglite(project) : setupServer(project, databaseUrl);
}

async function setupPglite(project: TestProject): Promise<Teardown> {
  const cacheKey = await pgliteTemplateKey();
  const emptyDump = join(PGLITE_CACHE, `${cacheKey}-empty.tar`);
  const migratedDump = join(PGLITE_CACHE, `${cacheKey}-migrated.tar`);
  if (!(existsSync(emptyDump) && existsSync(migratedDump))) {
    await buildPgliteDumps(emptyDump, migratedDump);
    await removeStaleDumps(cacheKey);
  }
  project.provide("switchyardDatabase", { kind: "pglite", emptyDump, migratedDump });
  return async () => {};
}

/**
 * Initialising PGlite costs 3.5–6 s and dumping it about a second more, so the dumps are kept
 * between runs, keyed by everything that shapes them: the PGlite version and the migrations.
 */
const PGLITE_CACHE = fileURLToPath(new URL("../node_modules/.cache/switchyard", import.meta.url));
const PGLITE_PACKAGE = new URL(
  "../node_modules/@electric-sql/pglite/package.json",
  import.meta.url,
);

async function pgliteTemplateKey(): Promise<string> {
  const hash = createHash("sha256").update(await readFile(PGLITE_PACKAGE));
  for (const folder of (await readdir(MIGRATIONS_FOLDER)).sort()) {
    const file = join(MIGRATIONS_FOLDER, folder, "migration.sql");
    if (existsSync(file)) hash.update(folder).update(await readFile(file));
  }
  return `pglite-${hash.digest("hex").slice(0, 16)}`;
}

async function buildPgliteDumps(emptyDump: string, migratedDump: string): Promise<void> {
  const { PGlite } = await import("@electric-sql/pglite");
  const client = await PGlite.create({ startParams: pgliteStartParams(PGlite.defaultStartParams) });
  const handle = await sqlHandleFromPglite(client);
  try {
    // Uncompressed: loading skips a gunzip, and the files never leave this machine.
    await writeAtomically(emptyDump, await client.dumpDataDir("none"));
    await migrateDatabase(handle);
    await writeAtomically(migratedDump, await client.dumpDataDir("none"));
  } finally {
    await handle.close();
  }
}

/** Dumps of older migrations or PGlite versions are 40 MB each and will never be read again. */
async function removeStaleDumps(cacheKey: string): Promise<void> {
  for (const file of await readdir(PGLITE_CACHE)) {
    if (file.startsWith("pglite-") && !file.startsWith(cacheKey)) {
      await rm(join(PGLITE_CACHE, file), { force: true });
    }
  }
}

/** Two runs may build the same dump at once; a rename makes each file appear whole or not at all. */
async function writeAtomically(file: string, blob: Blob): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, new Uint8Array(await blob.arrayBuffer()));
  await rename(partial, file);
}

async function setupServer(project: TestProject, adminUrl: string): Promise<Teardown> {
  const driver = process.env.SWITCHYARD_SQL_DRIVER === "neon" ? "neon" : "pg";
  // Unique per run: engineers and CI jobs sharing one server must not share templates.
  const runId = randomBytes(4).toString("hex");
  const templateName = `switchyard_template_${runId}`;
  const databasePrefix = `switchyard_test_${runId}_`;

  await adminRows(adminUrl, `CREATE DATABASE "${templateName}" TEMPLATE template0`);
  // The template is migrated through pg whatever the driver: it is setup, not the code under test
  // (test/db migrates through every driver). Its connections must be gone before it is copied.
  const template = await createSql({
    databaseUrl: databaseUrlFor(adminUrl, templateName),
    driver: "pg",
    dataDir: "unused-with-a-database-url",
  });
  try {
    await migrateDatabase(template);
  } catch (error) {
    await template.close();
    await dropDatabase(adminUrl, templateName);
    throw error;
  }
  await template.close();

  let neonWsProxy = process.env.SWITCHYARD_NEON_WS_PROXY || undefined;
  let closeProxy: (() => Promise<void>) | undefined;
  if (driver === "neon" && neonWsProxy === undefined && !isNeonHost(adminUrl)) {
    const proxy = await startNeonProxy();
    neonWsProxy = proxy.address;
    closeProxy = () => proxy.close();
    // Forked workers inherit the environment: code that builds its config from env finds it.
    process.env.SWITCHYARD_NEON_WS_PROXY = neonWsProxy;
  }

  project.provide("switchyardDatabase", {
    kind: "server",
    adminUrl,
    templateName,
    databasePrefix,
    driver,
    neonWsProxy,
  });

  return async () => {
    await closeProxy?.();
    // Sweep what crashed or forgetful tests left behind, then the template.
    const leftovers = await adminRows(
      adminUrl,
      "select datname from pg_database where starts_with(datname, $1)",
      [databasePrefix],
    );
    for (const name of [...leftovers, templateName]) await dropDatabase(adminUrl, name);
  };
}

function isNeonHost(databaseUrl: string): boolean {
  return new URL(databaseUrl).hostname.endsWith(".neon.tech");
}
