/**
 * Creating a new embedded database in a short-lived child process. PGlite's initdb touches about
 * 600 MB of its WASM heap, and WASM memory is never given back: a gateway that created its
 * database in-process kept ~790 MB of RSS for its whole life, against ~170 MB for the same gateway
 * started on the folder afterwards. So on Node the child runs initdb into a sibling folder and
 * exits (the memory goes with it); the folder is then moved into place and opened here as usual.
 * Costs about 0.5 s, once per data folder. Bun and Deno create it in-process, as before.
 */
import { spawn } from "node:child_process";
import { readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { runsOnNode } from "./runs-on-node.ts";

/** What the child runs: argv is [pglite module URL, folder, JSON start parameters]. */
const INITDB_SCRIPT = `
const [moduleUrl, dataDir, params] = process.argv.slice(1);
const { PGlite } = await import(moduleUrl);
const db = await PGlite.create(dataDir, { startParams: JSON.parse(params) });
await db.close();
`;

/** True when `dataDir` holds no database yet (missing, or without PG_VERSION). */
export async function needsInitdb(dataDir: string): Promise<boolean> {
  return stat(join(dataDir, "PG_VERSION")).then(
    () => false,
    () => true,
  );
}

/** On Node itself, which can spawn its own binary and resolve PGlite's module URL for it. */
export function canInitdbInChild(): boolean {
  return runsOnNode() && typeof import.meta.resolve === "function";
}

/**
 * Runs initdb for `dataDir` in a child process. Returns false (and leaves nothing behind) when the
 * child fails, so the caller can fall back to creating the database in-process.
 */
export async function initdbInChild(dataDir: string, startParams: string[]): Promise<boolean> {
  const staging = `${dataDir}.init-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const moduleUrl = import.meta.resolve("@electric-sql/pglite");
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", INITDB_SCRIPT, moduleUrl, staging, JSON.stringify(startParams)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child.stderr.resume();
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
  });
  if (ok && !(await needsInitdb(staging))) {
    // The folder may exist, empty (made by an earlier run that stopped before initdb).
    if ((await readdir(dataDir).catch(() => null))?.length === 0) await rmdir(dataDir);
    const moved = await rename(staging, dataDir).then(
      () => true,
      () => false,
    );
    if (moved) return true;
  }
  await rm(staging, { recursive: true, force: true });
  return false;
}
