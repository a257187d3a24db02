/**
 * Keeps the native twins (db/redis/embedded/native) honest about which Lua they stand for:
 * every Lua script in functions/ and db/ has a twin registered under its exact SHA1 or is
 * listed here as left to the Lua VM on purpose, every registered SHA1 belongs to a script in
 * the code, and a script that differs by one character (an edit without its twin) runs in
 * the VM, not in a stale twin.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EmbeddedRedis } from "../../db/redis/embedded/engine.ts";
import { NATIVE_SCRIPTS } from "../../db/redis/embedded/native/registry.ts";
import { sha1Hex } from "../../db/redis/sha1.ts";
import { RESERVE_SCRIPT } from "../../functions/limits/lua.ts";
import { EnginePair } from "./native-diff.ts";

const ROOT = join(import.meta.dirname, "../..");

/** Scripts run in the VM on purpose, by file: they are off the per-request path. */
const LUA_ONLY: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .filter((file) => !file.startsWith("db/redis/embedded/"));
}

interface FoundScript {
  file: string;
  name: string;
  sha: string;
}

/**
 * The scripts a file holds: its exported strings that call redis, and its template literals
 * that do and interpolate nothing (those are the script text as sent). A literal with ${...}
 * in it must be one of the exports, or the scan cannot see its final text and says so.
 */
async function scriptsIn(file: string): Promise<FoundScript[]> {
  const text = readFileSync(join(ROOT, file), "utf8");
  const literals = [...text.matchAll(/`([^`]*redis\.call[^`]*)`/g)].map((m) => m[1] ?? "");
  if (literals.length === 0) return [];
  const found = new Map<string, FoundScript>();
  const module: Record<string, unknown> = await import(join(ROOT, file));
  for (const [name, value] of Object.entries(module)) {
    if (typeof value === "string" && value.includes("redis.call")) {
      found.set(sha1Hex(value), { file, name, sha: sha1Hex(value) });
    }
  }
  const interpolated = literals.filter((literal) => literal.includes("${")).length;
  expect(interpolated, `${file}: a script built with \${...} must be exported`).toBeLessThanOrEqual(
    found.size,
  );
  const exported = [...found.values()].map((script) => module[script.name] as string);
  literals.forEach((literal, index) => {
    if (literal.includes("${") || literal.includes("\\")) return;
    // A fragment of an exported script (shared helpers) is not sent on its own.
    if (exported.some((script) => script !== literal && script.includes(literal))) return;
    const sha = sha1Hex(literal);
    if (!found.has(sha)) found.set(sha, { file, name: `literal #${index + 1}`, sha });
  });
  return [...found.values()];
}

describe("native script registry", () => {
  const engines: EmbeddedRedis[] = [];
  afterAll(() => {
    for (const engine of engines) engine.close();
  });

  it("has a twin for every script in the code, under the SHA1 of its current text", async () => {
    const files = [...sourceFiles("functions"), ...sourceFiles("db")];
    const scripts = (await Promise.all(files.map(scriptsIn))).flat();
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    const missing = scripts
      .filter((s) => !NATIVE_SCRIPTS.has(s.sha) && !(s.file in LUA_ONLY))
      .map(
        (s) =>
          `${s.file} ${s.name} (sha1 ${s.sha}) has no native twin: update its twin in ` +
          "db/redis/embedded/native/ and the SHA1 in registry.ts, or list the file in LUA_ONLY",
      );
    expect(missing).toEqual([]);
    const known = new Set(scripts.map((s) => s.sha));
    const orphans = [...NATIVE_SCRIPTS]
      .filter(([sha]) => !known.has(sha))
      .map(([sha, twin]) => `${twin.name} is registered under ${sha}, which no script has now`);
    expect(orphans).toEqual([]);
  });

  it("runs an edited script in the Lua VM, not in the twin of the old text", () => {
    const pair = new EnginePair();
    const edited = `${RESERVE_SCRIPT}-- edited\n`;
    const argv = ["EVAL", edited, "1", "v", "1", "id", "", "1000", "1000", "0", "0"];
    const { lua, native } = pair.run(argv);
    expect(native).toEqual(lua);
    expect(native).toEqual(["ok"]);
    expect(pair.counts.native + pair.counts.declined).toBe(0);
    // The unedited text does reach the twin.
    pair.run(["EVAL", RESERVE_SCRIPT, ...argv.slice(2)]);
    expect(pair.counts.native).toBe(1);
    pair.close();
  });

  it("runs the gateway's argument shapes natively (a 1,000,000 USD limit is 16 digits)", () => {
    const pair = new EnginePair();
    const now = String(Date.now());
    const keys = ["v", "b:s", "b:h"];
    const args = [now, "req-1", "", "120000", "900000", "0", "1"];
    args.push("1000000000000000", "2592000000", "86400000", "25000000");
    pair.run(["HSET", "b:s", "seeded", "1", "spent", "0", "reserved", "0"]);
    const { lua, native } = pair.run(["EVAL", RESERVE_SCRIPT, "3", ...keys, ...args]);
    expect(native).toEqual(lua);
    expect(native).toEqual(["ok", 999_999_975_000_000]);
    expect(pair.counts).toEqual({ native: 1, declined: 0 });
    pair.close();
  });
});
