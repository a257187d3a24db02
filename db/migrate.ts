/**
 * Applies the checked-in migrations (db/migrations, written by drizzle-kit) to any driver.
 *
 * Everything runs in one transaction that first takes a transaction-level advisory lock, so two
 * instances starting at once (serverless cold starts, a build step racing a deploy) apply each
 * migration exactly once: the second waits, then finds nothing left to do. The lock ends with the
 * transaction, so a crashed migrator cannot leave it held. PGlite takes the same path; there the
 * lock is free and harmless.
 *
 * Most starts find every migration applied already. That is checked first with one read of the
 * applied names against the folder's listing, with no lock, no transaction and no migration file
 * read or hashed; anything else (a new migration, a fresh database, a table drizzle must upgrade)
 * takes the locked path, which decides again under the lock.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
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
  if (await allApplied(handle)) return;
  // drizzle's per-driver migrators (drizzle-orm/pglite/migrator, …) are exactly this call:
  // read the folders, then run pg-core's migrate against the database.
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  await handle.db.transaction(async (tx) => {
    await tx.execute(sql`select ${MIGRATION_LOCK}`);
    // Inside our transaction drizzle's own transaction becomes a savepoint: still all-or-nothing.
    await migrate(migrations, tx, { migrationsFolder: MIGRATIONS_FOLDER });
  });
}

/**
 * True when every migration folder's name is recorded as applied: the test drizzle's migrate
 * makes (a migration runs when its name is not in the table). Any error (no table yet, a table
 * from an older drizzle without names) means "not known to be applied".
 */
async function allApplied(handle: SqlHandle): Promise<boolean> {
  const local = migrationNames();
  if (local.length === 0) return false;
  try {
    const rows = await handle.db.execute<{ name: string | null }>(
      sql`select name from drizzle.__drizzle_migrations`,
      "objects",
    );
    const applied = new Set(rows.map((row) => row.name));
    return local.every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/** The folders readMigrationFiles would read, by name only. */
function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_FOLDER).filter((name) =>
    existsSync(join(MIGRATIONS_FOLDER, name, "migration.sql")),
  );
}
