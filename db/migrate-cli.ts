/**
 * `npm run db:migrate`: migrates the database the environment points at (the same variables the
 * server reads; DESIGN.md, "Environments"). Vercel runs it in the build step.
 */
import process from "node:process";
import { createSql } from "./client.ts";
import { migrateDatabase } from "./migrate.ts";

const driver = process.env.SWITCHYARD_SQL_DRIVER || undefined;
if (driver !== undefined && driver !== "pg" && driver !== "neon") {
  console.error(`SWITCHYARD_SQL_DRIVER must be "pg" or "neon", not "${driver}"`);
  process.exit(1);
}

const sql = await createSql({
  databaseUrl: process.env.DATABASE_URL || undefined,
  driver,
  dataDir: process.env.SWITCHYARD_DATA_DIR || "./.switchyard",
  neonWsProxy: process.env.SWITCHYARD_NEON_WS_PROXY || undefined,
});
const started = performance.now();
try {
  await migrateDatabase(sql);
  console.log(`migrated (${sql.driver}) in ${Math.round(performance.now() - started)} ms`);
} catch (error) {
  console.error("migration failed:", error);
  process.exitCode = 1;
} finally {
  await sql.close();
}
