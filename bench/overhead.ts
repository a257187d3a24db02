/**
 * `npm run bench`: what the gateway costs per call, beside the least a Node proxy can cost.
 *
 * Every server runs in its own process on loopback: a fake OpenAI-compatible upstream, the
 * `node:http` pass-through (the floor), a `fetch` pass-through, the Portkey gateway (the peer)
 * and Switchyard (on Node exactly what `npm start` runs: package.json's start command over the
 * compiled dist/, built first; on Bun and Deno their own entries; embedded stores, and a second
 * process on Postgres + Redis when DATABASE_URL and REDIS_URL are set). Load comes from bench/load.ts, another process, so the
 * CPU counted is the server's alone: CPU µs per request = the server's CPU seconds over the
 * measured window / requests (the figure a shared machine disturbs least). Nothing is sent
 * anywhere but 127.0.0.1.
 *
 * As in the issue's measurements, the measured servers are pinned to one core (BENCH_PIN_CPU,
 * default the last core; empty turns pinning off) and the load generator and the fake upstream to
 * the others, so a server's CPU per request is not inflated by sharing its core with its load.
 *
 * Knobs: BENCH_CONNECTIONS (default 1,16,64), BENCH_REQUESTS per cell (default 2000),
 * BENCH_WARMUP (default 4000: the JIT must have settled, or cheap servers look dear; at 1000 a
 * gateway's first row still read 15-25% dearer than the same row measured later),
 * BENCH_RUNTIMES (default node,bun,deno: Switchyard's rows under each runtime's own entry),
 * BENCH_START (default 1: time from spawn to the first 200 on /health of `npm start`'s compiled
 * entry, on a fresh data folder and again on the same folder), BENCH_MODES (default json,stream), BENCH_ONLY (comma list of row
 * names), BENCH_STORES (comma list: embedded, postgres+redis), BENCH_PROFILE_DIR (a V8 CPU profile of the node gateway on BENCH_PROFILE_STORE, default
 * embedded, per measured window, not
 * start-up; the sampler inflates those rows' CPU, so profile in a run of its own), BENCH_LOG_LEVEL (the gateway's LOG_LEVEL, default silent), BENCH_OUT (JSON results).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./load.ts";
import { type CpuMs, processTreeCpuMs, rssMb } from "./process-cpu.ts";
import { provision } from "./provision.ts";

const list = (value: string | undefined, fallback: string) =>
  (value ?? fallback).split(",").filter(Boolean);
const CONNECTIONS = list(process.env.BENCH_CONNECTIONS, "1,16,64").map(Number);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4000);
const RUNTIMES = list(process.env.BENCH_RUNTIMES, "node,bun,deno") as Runtime[];
const CORES = cpus().length;
/** The core the measured servers run on; the load and the upstream get the rest. */
const PIN = process.env.BENCH_PIN_CPU ?? (CORES > 1 ? String(CORES - 1) : "");
const OTHER_CORES = PIN
  ? Array.from({ length: CORES }, (_, i) => String(i))
      .filter((core) => core !== PIN)
      .join(",")
  : "";
const MODES = list(process.env.BENCH_MODES, "json,stream") as Mode[];
const ONLY = process.env.BENCH_ONLY ? list(process.env.BENCH_ONLY, "") : null;
const STORES = process.env.BENCH_STORES ? list(process.env.BENCH_STORES, "") : null;
const root = new URL("..", import.meta.url).pathname;

type Mode = "json" | "stream";
type Runtime = "node" | "bun" | "deno";

interface Target {
  name: string;
  store: string;
  pid: number;
  url: string;
  headers: Record<string, string>;
  model: string;
  /** Record a CPU profile of each measured window (bench/profile-hook.ts). */
  profiled?: boolean;
}

interface Cell {
  target: string;
  store: string;
  mode: Mode;
  connections: number;
  cpuUs: number;
  /** Of cpuUs, the kernel's share (system time). */
  kernelUs: number;
  rps: number;
  latencyP50: number;
  ttfbP50: number;
  ttfbP99: number;
  rssMb: number;
  errors: number;
}

const children: ChildProcess[] = [];

/** `command args`, under taskset on `cores` when pinning is on (taskset execs: the pid is kept). */
function pinned(cores: string, command: string, args: string[]): [string, string[]] {
  return cores ? ["taskset", ["-c", cores, command, ...args]] : [command, args];
}

/**
 * Starts a server process and resolves with the first capture of `banner` in its stdout.
 * `measured` servers run on the pinned core, helpers (the upstream) on the others.
 */
function start(
  args: string[],
  env: Record<string, string | undefined>,
  banner: RegExp,
  options: { command?: string; measured?: boolean } = {},
) {
  const [command, argv] = pinned(
    options.measured === false ? OTHER_CORES : PIN,
    options.command ?? process.execPath,
    args,
  );
  const child = spawn(command, argv, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise<{ child: ChildProcess; match: string }>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
      const match = banner.exec(output);
      if (match) resolve({ child, match: match[1] ?? match[0] });
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
}

const tsx = (file: string, ...node: string[]) => ["--import", "tsx", ...node, file];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One load window: warm up, then count the server's CPU over the measured requests only. */
async function runCell(target: Target, mode: Mode, connections: number): Promise<Cell> {
  const body = JSON.stringify({
    model: target.model,
    messages: [{ role: "user", content: "Benchmark: say hello." }],
    ...(mode === "stream" ? { stream: true } : {}),
  });
  const spec = JSON.stringify({
    url: target.url,
    headers: { "content-type": "application/json", ...target.headers },
    body,
    connections,
    warmup: Math.max(WARMUP, connections * 4),
    requests: REQUESTS,
  });
  let before: CpuMs = { total: 0, system: 0 };
  const result = await load(spec, () => {
    if (target.profiled) process.kill(target.pid, "SIGUSR2");
    before = processTreeCpuMs(target.pid);
  });
  const after = processTreeCpuMs(target.pid);
  if (target.profiled) {
    process.kill(target.pid, "SIGUSR2");
    console.error(`profile: ${mode} c=${connections} ${target.name} (pid ${target.pid})`);
  }
  return {
    target: target.name,
    store: target.store,
    mode,
    connections,
    cpuUs: ((after.total - before.total) * 1000) / REQUESTS,
    kernelUs: ((after.system - before.system) * 1000) / REQUESTS,
    rps: REQUESTS / result.seconds,
    latencyP50: result.latencyMs.p50,
    ttfbP50: result.ttfbMs.p50,
    ttfbP99: result.ttfbMs.p99,
    rssMb: rssMb(target.pid),
    errors: result.errors,
  };
}

/** Runs the load generator; `onWarm` runs between its warm-up and its measured requests. */
function load(spec: string, onWarm: () => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const [command, argv] = pinned(OTHER_CORES, process.execPath, [...tsx("bench/load.ts"), spec]);
    const child = spawn(command, argv, {
      cwd: root,
      stdio: ["pipe", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
      if (output.startsWith("warm\n")) {
        output = output.slice("warm\n".length);
        onWarm();
        child.stdin.end("go\n");
      }
    });
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(output) as LoadResult) : reject(new Error(`load ${code}`)),
    );
  });
}

/** How each runtime runs its own entry (package.json's start scripts), from node_modules/.bin. */
function entry(runtime: Runtime, profileArgs: string[]): { command: string; args: string[] } {
  const bin = (name: string) => join(root, "node_modules/.bin", name);
  if (runtime === "bun") return { command: bin("bun"), args: ["functions/runtimes/bun.ts"] };
  if (runtime === "deno")
    return { command: bin("deno"), args: ["run", "--allow-all", "functions/runtimes/deno.ts"] };
  // Node runs what `npm start` runs (the compiled entry, with its flags), built by main().
  const [, ...startArgs] = nodeStartCommand();
  return { command: process.execPath, args: [...profileArgs, ...startArgs] };
}

/** package.json's `start` script as argv (`node [flags] dist/...`): the bench measures that. */
function nodeStartCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const argv = (manifest.scripts.start ?? "").split(/\s+/).filter(Boolean);
  if (argv[0] !== "node") throw new Error(`npm start is not a node command: ${argv.join(" ")}`);
  return argv;
}

/** `npm start`'s prestart: compile to dist/ (skipped when it is fresh). */
async function build(): Promise<void> {
  const child = spawn(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`scripts/build.mjs exited with ${code}`);
}

async function startGateway(
  store: string,
  upstreamUrl: string,
  profile: boolean,
  runtime: Runtime,
) {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-bench-"));
  const masterKey = `bench-${crypto.randomUUID()}`;
  const embedded = store === "embedded";
  const profileArgs =
    profile && runtime === "node" && process.env.BENCH_PROFILE_DIR
      ? ["--import", "tsx", "--import", "./bench/profile-hook.ts"]
      : [];
  const { command, args } = entry(runtime, profileArgs);
  const { child, match } = await start(
    args,
    {
      PORT: "0",
      SWITCHYARD_DATA_DIR: dataDir,
      MASTER_KEY: masterKey,
      ENCRYPTION_KEY: `bench-encryption-${crypto.randomUUID()}`,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent",
      DATABASE_URL: embedded ? undefined : process.env.DATABASE_URL,
      REDIS_URL: embedded ? undefined : process.env.REDIS_URL,
    },
    /listening on (http:\/\/localhost:\d+)/,
    { command },
  );
  const url = match.replace("localhost", "127.0.0.1");
  const keys = await provision(url, masterKey, upstreamUrl);
  const pid = child.pid ?? 0;
  const suffix = runtime === "node" ? "" : ` (${runtime})`;
  const base = {
    store,
    pid,
    url: `${url}/v1/chat/completions`,
    model: "fake/gpt-4o-mini",
    profiled: profileArgs.length > 0,
  };
  return {
    dataDir,
    targets: [
      { ...base, name: `switchyard${suffix}`, headers: { authorization: `Bearer ${keys.key}` } },
      {
        ...base,
        name: `switchyard+limits${suffix}`,
        headers: { authorization: `Bearer ${keys.limitedKey}` },
      },
    ] satisfies Target[],
  };
}

/**
 * Milliseconds from spawning `npm start`'s compiled entry to its first 200 on /health, on a fresh
 * embedded data folder and then again on the same folder (the case the issue bounds at 3 s).
 */
async function measureStart(): Promise<{ fresh: number; existing: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-bench-start-"));
  const once = async () => {
    const port = await freePort();
    const started = performance.now();
    const [command, argv] = pinned(PIN, process.execPath, nodeStartCommand().slice(1));
    const child = spawn(command, argv, {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        SWITCHYARD_DATA_DIR: dataDir,
        LOG_LEVEL: "silent",
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
      },
      stdio: "ignore",
    });
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the entry exited with ${child.exitCode}`);
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) return performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    return { fresh: await once(), existing: await once() };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function table(cells: Cell[], mode: Mode): string {
  const floor = (c: Cell) =>
    cells.find(
      (f) => f.target === "node:http proxy" && f.mode === c.mode && f.connections === c.connections,
    );
  const direct = (c: Cell) =>
    cells.find(
      (f) => f.target === "direct" && f.mode === c.mode && f.connections === c.connections,
    );
  const lines = [
    `| path | store | conns | CPU µs/req | of which kernel | × floor | req/s | p50 ms | TTFB p50 ms | TTFB added p50 ms | RSS MB |`,
    `|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|`,
  ];
  for (const c of cells.filter((cell) => cell.mode === mode)) {
    const f = floor(c);
    const d = direct(c);
    const ratio = c.target === "direct" || !f ? "—" : `${(c.cpuUs / f.cpuUs).toFixed(1)}×`;
    const added = c.target === "direct" || !d ? "—" : (c.ttfbP50 - d.ttfbP50).toFixed(2);
    lines.push(
      `| ${c.target}${c.errors ? ` (${c.errors} of ${REQUESTS} failed)` : ""} | ${c.store} | ${c.connections} | ${c.cpuUs.toFixed(0)} | ${c.kernelUs.toFixed(0)} | ${ratio} | ${c.rps.toFixed(0)} | ${c.latencyP50.toFixed(2)} | ${c.ttfbP50.toFixed(2)} | ${added} | ${c.rssMb.toFixed(0)} |`,
    );
  }
  return lines.join("\n");
}

async function main() {
  const dataDirs: string[] = [];
  const loadBefore = loadavg();
  try {
    await build();
    const upstream = await start(tsx("bench/upstream.ts"), {}, /upstream (\S+)/, {
      measured: false,
    });
    const upstreamUrl = upstream.match;
    const floor = await start(
      tsx("bench/http-proxy.ts"),
      { BENCH_UPSTREAM: upstreamUrl },
      /proxy (\S+)/,
    );
    const fetchProxy = await start(
      tsx("bench/bare-proxy.ts"),
      { BENCH_UPSTREAM: upstreamUrl },
      /proxy (\S+)/,
    );
    // package.json overrides Portkey's own @hono/node-server to 1.13.8: from 1.14 its Response,
    // made with a fetch Response as init, keeps that response's immutable headers, so every
    // streamed call through Portkey failed with `TypeError: immutable` (its gateway appends
    // headers to the upstream's streamed answer). 1.13 is what Portkey's streams work on.
    const portkeyPort = await freePort();
    const portkey = await start(
      [
        "node_modules/@portkey-ai/gateway/build/start-server.js",
        `--port=${portkeyPort}`,
        "--headless",
      ],
      {},
      /Ready for connections/,
    );
    const targets: Target[] = [
      {
        name: "direct",
        store: "—",
        pid: upstream.child.pid ?? 0,
        url: `${upstreamUrl}/chat/completions`,
        headers: { authorization: "Bearer sk-bench" },
        model: "gpt-4o-mini",
      },
      {
        name: "node:http proxy",
        store: "—",
        pid: floor.child.pid ?? 0,
        url: floor.match,
        headers: {},
        model: "gpt-4o-mini",
      },
      {
        name: "fetch proxy",
        store: "—",
        pid: fetchProxy.child.pid ?? 0,
        url: fetchProxy.match,
        headers: {},
        model: "gpt-4o-mini",
      },
      {
        name: "portkey 1.15.2",
        store: "—",
        pid: portkey.child.pid ?? 0,
        url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
        headers: {
          authorization: "Bearer sk-bench",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": upstreamUrl,
        },
        model: "gpt-4o-mini",
      },
    ];
    const available = ["embedded"];
    if (process.env.DATABASE_URL && process.env.REDIS_URL) available.push("postgres+redis");
    const stores = available.filter((store) => !STORES || STORES.includes(store));
    for (const runtime of RUNTIMES)
      for (const store of stores) {
        // Postgres is shared: gateways start one after the other, so migrations do not race.
        // A runtime that cannot start here loses its rows, not the run.
        const profiled = store === (process.env.BENCH_PROFILE_STORE ?? "embedded");
        const gateway = await startGateway(store, upstreamUrl, profiled, runtime).catch(
          (error: unknown) => {
            console.error(`${runtime} (${store}) did not start: ${String(error)}`);
            return null;
          },
        );
        if (!gateway) continue;
        dataDirs.push(gateway.dataDir);
        targets.push(...gateway.targets);
      }

    const startMs = process.env.BENCH_START === "0" ? null : await measureStart();
    const cells: Cell[] = [];
    for (const mode of MODES)
      for (const connections of CONNECTIONS)
        for (const target of targets) {
          if (ONLY && !ONLY.includes(target.name) && target.name !== "direct") continue;
          const cell = await runCell(target, mode, connections);
          cells.push(cell);
          console.error(
            `${mode} c=${connections} ${target.name} (${target.store}): ${cell.cpuUs.toFixed(0)} µs/req (kernel ${cell.kernelUs.toFixed(0)}), ${cell.rps.toFixed(0)} req/s`,
          );
        }

    const loadAfter = loadavg();
    const cpu = cpus();
    const header = [
      `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpu.length}× ${cpu[0]?.model ?? "?"}, Node ${process.version}`,
      `load average (1 min) ${loadBefore[0]?.toFixed(1)} before, ${loadAfter[0]?.toFixed(1)} after; ${REQUESTS} measured requests per row after ${WARMUP} warm-up`,
      "CPU µs/req: the server process's own CPU over the measured window / requests (the direct row: the upstream's); of which kernel: its system time (syscalls and the loopback TCP work they do). TTFB: first body byte at the client.",
      PIN
        ? `Measured servers pinned to core ${PIN}; the load generator and the upstream to core(s) ${OTHER_CORES}.`
        : "No core pinning.",
      ...(startMs
        ? [
            `npm start (compiled Node entry, embedded stores) to the first 200 on /health: ${(startMs.fresh / 1000).toFixed(2)} s on a fresh data folder, ${(startMs.existing / 1000).toFixed(2)} s on the same folder again.`,
          ]
        : []),
    ];
    const output = [
      ...header,
      "",
      ...MODES.flatMap((mode) => [
        `### ${mode === "json" ? "non-streamed" : "streamed"} chat completions`,
        "",
        table(cells, mode),
        "",
      ]),
    ].join("\n");
    console.log(output);
    if (process.env.BENCH_OUT)
      await writeFile(process.env.BENCH_OUT, JSON.stringify({ header, cells }, null, 2));
  } finally {
    // Wait for the exits: the gateway drains on SIGTERM (and writes its profile, if asked).
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  }
}

await main();
