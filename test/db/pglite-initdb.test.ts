/**
 * A new embedded database is made by initdb in a child process (db/pglite-initdb.ts), so the
 * gateway never holds the WASM memory initdb touched. The folder it leaves must open as usual.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { pgliteStartParams } from "../../db/client.ts";
import { canInitdbInChild, initdbInChild, needsInitdb } from "../../db/pglite-initdb.ts";
import { tempFolders } from "../support/temp-folders.ts";

const startParams = pgliteStartParams(PGlite.defaultStartParams);
const parent = tempFolders("switchyard-initdb-");

describe("initdb in a child process", () => {
  it("runs on Node", () => {
    expect(canInitdbInChild()).toBe(true);
  });

  it("leaves a database that opens in-process, and nothing else beside it", async () => {
    const root = await parent();
    const dataDir = join(root, "pglite");
    await mkdir(dataDir); // an empty folder, as openPglite makes before it
    expect(await needsInitdb(dataDir)).toBe(true);
    expect(await initdbInChild(dataDir, startParams)).toBe(true);
    expect(await needsInitdb(dataDir)).toBe(false);
    expect(await readdir(root)).toEqual(["pglite"]);
    const db = await PGlite.create(dataDir, { startParams });
    try {
      await db.exec("create table t (n int); insert into t values (7)");
      expect((await db.query<{ n: number }>("select n from t")).rows).toEqual([{ n: 7 }]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it("refuses to move its database over a folder that already holds files, and cleans up", async () => {
    const root = await parent();
    const dataDir = join(root, "pglite");
    await mkdir(dataDir);
    await writeFile(join(dataDir, "someone-else.txt"), "keep me");
    expect(await initdbInChild(dataDir, startParams)).toBe(false);
    expect(await readdir(root)).toEqual(["pglite"]);
    expect(await readdir(dataDir)).toEqual(["someone-else.txt"]);
  }, 60_000);

  it("reports a failed initdb and leaves no staging folder", async () => {
    const root = await parent();
    const dataDir = join(root, "pglite");
    expect(await initdbInChild(dataDir, [...startParams, "-c", "no_such_setting=1"])).toBe(false);
    expect(await readdir(root)).toEqual([]);
  }, 60_000);
});
