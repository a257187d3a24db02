/**
 * `npm run build` (and `prestart`, `postinstall`): compiles the server to JavaScript in dist/ so
 * that `npm start` runs plain Node, without a TypeScript loader transforming ~300 files at every
 * start. tsc emits with `noCheck` (types are checked by `npm run typecheck`, not at start) and
 * rewrites the `.ts` import extensions; the SQL migrations are copied beside the compiled
 * migrator, which finds them relative to itself.
 *
 * Skipped when dist/ is newer than every source file, so the `prestart` call costs a directory
 * walk, not a compile. Written in JavaScript: it must run before anything is compiled. Builds go
 * to a private folder first and are swapped in by rename, so two starts at once (tests) never
 * run a half-written dist/.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");
const stamp = join(dist, ".built");
const SOURCES = [
  "functions",
  "db",
  "schema",
  "tsconfig.json",
  "tsconfig.build.json",
  "package-lock.json",
];

// Only what the compiler or the migrator reads: CI rewrites schema/schema.graphql (the printed
// contract) after install, and that alone must not make the next start recompile.
const COMPILED = /\.(ts|sql|json)$/;

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return COMPILED.test(path) ? stat.mtimeMs : 0;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

const sourcesChanged = Math.max(...SOURCES.map((source) => newestMtime(join(root, source))));
if (
  existsSync(stamp) &&
  statSync(stamp).mtimeMs >= sourcesChanged &&
  !process.argv.includes("--force")
) {
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.error(
    "build: TypeScript is not installed (a production install without dev dependencies?). Run `npm install`, or run the sources with `node --import tsx functions/runtimes/node.ts`.",
  );
  process.exit(1);
}

const staging = join(root, `.dist-${process.pid}`);
console.error("Compiling Switchyard to dist/ (once per source change)…");
try {
  execFileSync(
    process.execPath,
    [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", staging],
    {
      stdio: "inherit",
    },
  );
  cpSync(join(root, "db/migrations"), join(staging, "db/migrations"), { recursive: true });
  writeFileSync(join(staging, ".built"), new Date().toISOString());
  const old = join(root, `.dist-old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(staging, dist);
  rmSync(old, { recursive: true, force: true });
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  // Another start finished the same build meanwhile: use its output.
  if (existsSync(stamp)) process.exit(0);
  throw error;
}
