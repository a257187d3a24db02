/**
 * `npm start` on a data folder an earlier start left behind (issue #23): it answers /health
 * within 3 s. Measured from the spawn of `npm start` (prestart's freshness check included) to the
 * first 200 on /health.
 *
 * The bound is on CPU time, not wall time: the CPU the whole process tree used until /health
 * answered (npm, the prestart check, the server), read from /proc. A loaded CI machine stretches
 * wall time without bound (11-14 s on 2 cores at load averages of 11-15), CPU time far less, but
 * contention (shared caches, SMT, a busy npm) still inflates it: the same start measured 3.9-5.2 s
 * of CPU there. Hence a CI factor of 2 on the 3 s target; what it catches is a start that does
 * needless work again (before this test: the admin schema, 160 MB of PGlite buffers and the
 * locked migration pass on every start, 6+ s of CPU at that load; a recompile or an initdb, 10+).
 * Wall time gets only a loose sanity bound. Off Linux (no /proc) only that is checked.
 *
 * The first start, on a new folder, is also held to a memory bound: the server's RSS once /health
 * answers. initdb runs in a child process that exits (db/pglite-initdb.ts); in-process, the WASM
 * memory it touched stayed with the server for good (~790 MB against ~280 MB).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";

const TARGET_MS = 3_000;
const CPU_FACTOR = 2;
const WALL_SANITY_MS = 60_000;
const FRESH_START_RSS_MB = 450;

let dataDir: string;
let freshStartRssMb: number | null = null;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchyard-restart-"));
  // The first start creates the folder: PGlite's initdb, migrations, the dev keys.
  const first = await startOnce(dataDir);
  freshStartRssMb = first.maxRssMb;
  await first.stop();
}, 180_000);

it("holds the server's memory down after creating a new data folder", () => {
  if (freshStartRssMb === null) return; // no /proc
  expect(freshStartRssMb).toBeLessThan(FRESH_START_RSS_MB);
});

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it("answers /health within 3 s of `npm start` on an existing data folder", async () => {
  const started = await startOnce(dataDir);
  try {
    const measured = `CPU ${started.cpuMs} ms, wall ${Math.round(started.wallMs)} ms`;
    expect(started.wallMs, measured).toBeLessThan(WALL_SANITY_MS);
    if (started.cpuMs !== null) {
      expect(started.cpuMs, measured).toBeLessThan(TARGET_MS * CPU_FACTOR);
    }
  } finally {
    await started.stop();
  }
}, 120_000);

interface Started {
  wallMs: number;
  /** CPU of the process tree until the first 200 on /health; null without /proc. */
  cpuMs: number | null;
  /** The largest RSS in the process tree (the server's) at that moment; null without /proc. */
  maxRssMb: number | null;
  stop(): Promise<void>;
}

async function startOnce(folder: string): Promise<Started> {
  const began = performance.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...withoutServiceVariables(process.env), PORT: "0", SWITCHYARD_DATA_DIR: folder },
    // Own process group, so stop() reaches the server behind npm and sh.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  child.stderr?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  const stop = () => stopGroup(child);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      if (performance.now() - began > WALL_SANITY_MS) throw new Error(`no /health:\n${output}`);
      const url = /listening on (http:\/\/localhost:\d+)/.exec(output)?.[1];
      if (url && (await healthy(url))) {
        const tree = child.pid ? processTree(child.pid) : null;
        const cpuMs = tree ? (tree.ticks * 1000) / 100 : null; // USER_HZ on every Linux
        const maxRssMb = tree ? tree.maxRssPages * (4096 / 1e6) : null;
        return { wallMs: performance.now() - began, cpuMs, maxRssMb, stop };
      }
      await sleep(10);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/health`)).status === 200;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null) return;
  const closed = new Promise<void>((resolve) => child.stdout?.once("close", resolve));
  process.kill(-child.pid, "SIGTERM");
  const timedOut = await Promise.race([closed.then(() => false), sleep(30_000).then(() => true)]);
  if (timedOut) process.kill(-child.pid, "SIGKILL");
}

/**
 * CPU ticks (user + system) of `rootPid` and its live descendants, with what each has already
 * reaped (cutime/cstime): the prestart check has exited by the time /health answers; and the
 * largest resident set among them, in pages.
 */
function processTree(rootPid: number): { ticks: number; maxRssPages: number } | null {
  if (!existsSync("/proc/self/stat")) return null;
  const stats = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const text = readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name is in parentheses and may hold spaces: count fields after it.
        const fields = text
          .slice(text.lastIndexOf(")") + 2)
          .split(" ")
          .map(Number);
        const at = (index: number) => fields[index] ?? 0;
        const ticks = at(11) + at(12) + at(13) + at(14);
        return [{ pid: Number(pid), ppid: at(1), ticks, rssPages: at(21) }];
      } catch {
        return []; // exited between the listing and the read
      }
    });
  let ticks = 0;
  let maxRssPages = 0;
  const pending = [rootPid];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    for (const stat of stats) {
      if (stat.pid === pid) {
        ticks += stat.ticks;
        maxRssPages = Math.max(maxRssPages, stat.rssPages);
      }
      if (stat.ppid === pid) pending.push(stat.pid);
    }
  }
  return { ticks, maxRssPages };
}

/** The start is about embedded storage: CI's service variables must not leak in. */
function withoutServiceVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (
      /^(DATABASE_URL|REDIS_URL|UPSTASH_|MASTER_KEY|ENCRYPTION_KEY|SWITCHYARD_|PORT$|NODE_ENV$)/.test(
        name,
      )
    )
      continue;
    out[name] = value;
  }
  return out;
}
