#!/usr/bin/env node
/**
 * Adds the platform binaries this machine's npm mirror does not carry to package-lock.json.
 *
 * The mirror serves only linux-glibc builds of packages such as @biomejs/biome and deno,
 * so `npm install` leaves their darwin/win32/musl optional dependencies out of the lock,
 * and `npm ci` then refuses the lock as out of sync. An entry with the package's os/cpu
 * (and libc) is all `npm ci` needs to skip it on an incompatible platform, which is what
 * the lock would hold had the mirror answered. Run after any `npm install` that changes
 * the lock: `node scripts/complete-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from "node:fs";

const LOCK = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, "utf8"));
const packages = lock.packages;

const OS = ["android", "darwin", "freebsd", "linux", "openbsd", "sunos", "win32", "aix"];
const CPU = ["arm64", "x64", "arm", "ia32", "ppc64", "s390x", "riscv64", "loong64"];

/** Reads os/cpu/libc off a platform package's name, e.g. cli-linux-x64-musl. */
function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((part) => OS.includes(part));
  const cpu = parts.find((part) => CPU.includes(part));
  if (!os || !cpu) return undefined;
  const libc = os === "linux" ? (parts.includes("musl") ? "musl" : "glibc") : undefined;
  return { cpu: [cpu], libc: libc ? [libc] : undefined, os: [os] };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  if (!path.startsWith("node_modules/")) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    if (packages[target]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    // Keys in the order npm writes them, so a later `npm install` leaves the entry as it is.
    packages[target] = JSON.parse(
      JSON.stringify({
        version,
        cpu: platform.cpu,
        dev: entry.dev ? true : undefined,
        libc: platform.libc,
        optional: true,
        os: platform.os,
      }),
    );
    added++;
  }
}

const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entr${added === 1 ? "y" : "ies"}`);
