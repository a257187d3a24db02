/**
 * Applies the checked-in migrations (db/migrations, written by drizzle-kit) to any driver.
 *
 * Everything runs in one transaction that first takes a transaction-level advisory lock, so two
 * instances starting at once (serverless cold starts, a build step racing a deploy) apply each
 * migration exactly once: the second waits, then finds nothing left to do. The lock ends with the
 * transaction, so a crashed migrator cannot leave it held. PGlite takes the same path; there the
 * lock is free and harmless.
 */
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { migrate } from "drizzle-orm/pg-core";
import type { SqlHandle } from "./client.ts";

/** Resolved from this module, not the cwd, so `migrateDatabase` works from anywhere. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

/** Advisory locks are keyed by a number; hashing a name keeps the key readable in code. */
const MIGRATION_LOCK = sql`pg_advisory_xact_lock(hashtext('switchyard.migrate'))`;

export async function migrateDatabase(handle: SqlHandle): Promise<void> {
  // drizzle's per-driver migrators (drizzle-orm/pglite/migrator, …) are exactly this call:
  // read the folders, then run pg-core's migrate against the database.
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  await handle.db.transaction(async (tx) => {
    await tx.execute(sql`select ${MIGRATION_LOCK}`);
    // Inside our transaction drizzle's own transaction becomes a savepoint: still all-or-nothing.
    await migrate(migrations, tx, { migrationsFolder: MIGRATIONS_FOLDER });
  });
}
