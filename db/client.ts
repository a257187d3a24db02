/**
 * The SQL client factory: one drizzle `Database` over whichever Postgres is configured.
 *
 * - no DATABASE_URL → embedded PGlite persisted under `<dataDir>/pglite` (a laptop needs nothing)
 * - Neon (driver "neon", or a `*.neon.tech` host) → @neondatabase/serverless Pool over WebSocket,
 *   which works where raw TCP does not (edge and serverless runtimes)
 * - any other URL → node-postgres Pool
 *
 * Drivers are imported lazily, so a pg deployment never loads PGlite's WASM and vice versa.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgAsyncDatabase, PgAsyncTransaction, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { canInitdbInChild, initdbInChild, needsInitdb } from "./pglite-initdb.ts";
import { type Relations, relations } from "./relations.ts";

/**
 * The one database type every driver satisfies. Raw SQL that must behave the same on all three
 * drivers should use `db.execute(query, "objects")`, which returns plain rows everywhere.
 */
export type Database = PgAsyncDatabase<PgQueryResultHKT, Relations>;
/** What `db.transaction(async (tx) => …)` hands out; also assignable to `Database`. */
export type Transaction = PgAsyncTransaction<PgQueryResultHKT, Relations>;

export type SqlDriver = "pglite" | "pg" | "neon";

export interface SqlOptions {
  /** Absent → embedded PGlite. */
  databaseUrl?: string;
  /** Forces a driver for `databaseUrl`; otherwise `*.neon.tech` hosts get "neon", others "pg". */
  driver?: "pg" | "neon";
  /** Folder of the embedded stores; PGlite lives in `<dataDir>/pglite`. */
  dataDir: string;
  /**
   * "127.0.0.1:PORT" of a local WebSocket→TCP proxy, to run the Neon driver against plain
   * Postgres (tests, local dev). Sets process-wide `neonConfig`: there is one per process.
   */
  neonWsProxy?: string;
}

export interface SqlHandle {
  db: Database;
  driver: SqlDriver;
  /** `select 1` within PING_TIMEOUT_MS; false on any error, never throws (for /ready). */
  ping(): Promise<boolean>;
  /** Ends the pool or closes PGlite; safe to call twice. */
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 3_000;

export async function createSql(options: SqlOptions): Promise<SqlHandle> {
  const { databaseUrl } = options;
  if (databaseUrl === undefined) return openPglite(join(options.dataDir, "pglite"));
  if (chooseServerDriver(databaseUrl, options.driver) === "neon") {
    return openNeon(databaseUrl, options.neonWsProxy);
  }
  return openPg(databaseUrl);
}

function chooseServerDriver(databaseUrl: string, driver: "pg" | "neon" | undefined): "pg" | "neon" {
  if (driver) return driver;
  return hostOf(databaseUrl).endsWith(".neon.tech") ? "neon" : "pg";
}

function hostOf(databaseUrl: string): string {
  try {
    return new URL(databaseUrl).hostname;
  } catch {
    // Not a URL (e.g. a libpq keyword string): let pg parse it and report what is wrong.
    return "";
  }
}

/**
 * Postgres settings for the embedded database, on top of PGlite's own start parameters.
 * shared_buffers: initdb writes Postgres's default 128 MB (PGlite runs with ~160 MB), and the
 * WASM heap is touched for all of it at start: 120 MB more RSS and ~0.6 s more CPU per open than
 * 16 MB, which holds a gateway's working set (keys, routes, the tail of usage_records) many times
 * over. Measured on 10k inserted rows: RSS 335 → 196 MB, insert CPU no worse.
 */
export const PGLITE_SETTINGS = ["shared_buffers=16MB"];

/** PGlite's own start parameters with PGLITE_SETTINGS on top: for every PGlite this project opens. */
export function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, ...PGLITE_SETTINGS.flatMap((setting) => ["-c", setting])];
}

async function openPglite(dataDir: string): Promise<SqlHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  await mkdir(dataDir, { recursive: true });
  const startParams = pgliteStartParams(PGlite.defaultStartParams);
  // A new database is created in a child process where that is possible (pglite-initdb.ts); if
  // the child fails, PGlite creates it here, as it always could.
  if ((await needsInitdb(dataDir)) && canInitdbInChild()) await initdbInChild(dataDir, startParams);
  return sqlHandleFromPglite(await PGlite.create(dataDir, { startParams }));
}

/**
 * Wraps a PGlite instance someone already opened (test support loads one from a template).
 * The handle owns it: `close()` closes it.
 */
export async function sqlHandleFromPglite(client: PGlite): Promise<SqlHandle> {
  const { drizzle } = await import("drizzle-orm/pglite");
  const db = drizzle({ client, relations });
  return makeHandle(db, "pglite", () => client.close());
}

async function openPg(connectionString: string): Promise<SqlHandle> {
  const [{ default: pg }, { drizzle }] = await Promise.all([
    import("pg"),
    import("drizzle-orm/node-postgres"),
  ]);
  const pool = new pg.Pool({ connectionString });
  // An idle client whose server went away emits "error" on the pool; unheard, Node would crash
  // the process. The pool has already dropped that client and the next query reconnects.
  pool.on("error", () => {});
  return makeHandle(drizzle({ client: pool, relations }), "pg", () => pool.end());
}

async function openNeon(connectionString: string, wsProxy: string | undefined): Promise<SqlHandle> {
  const [{ Pool, neonConfig }, { drizzle }] = await Promise.all([
    import("@neondatabase/serverless"),
    import("drizzle-orm/neon-serverless"),
  ]);
  // Node 20 has no global WebSocket (Node 22, Bun, Deno and edge runtimes do).
  if (typeof globalThis.WebSocket === "undefined") {
    neonConfig.webSocketConstructor = (await import("ws")).default;
  }
  if (wsProxy !== undefined) {
    // A local proxy speaks plain ws:// to plain Postgres: no TLS inside or around the socket, and
    // no pipelining, which assumes Neon's proxy (STACK-NOTES.md, "Neon locally").
    neonConfig.wsProxy = (host, port) => `${wsProxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  const pool = new Pool({ connectionString });
  pool.on("error", () => {}); // same reason as for pg above
  return makeHandle(drizzle({ client: pool, relations }), "neon", () => pool.end());
}

function makeHandle(db: Database, driver: SqlDriver, end: () => Promise<void>): SqlHandle {
  let closing: Promise<void> | undefined;
  return {
    db,
    driver,
    ping: () => ping(db),
    close() {
      closing ??= end();
      return closing;
    },
  };
}

async function ping(db: Database): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    const answered = db.execute(sql`select 1`).then(() => true);
    return await Promise.race([answered, timedOut]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
