/**
 * `npm run bench`: what the gateway adds to a call. A fake OpenAI upstream and the gateway (the
 * real Node entry, embedded stores unless DATABASE_URL/REDIS_URL say otherwise) each run in their
 * own process on loopback; this process is the client. The same request is sent directly to the
 * upstream, through a bare fetch-and-pipe proxy (bench/bare-proxy.ts: the cost of the hop alone)
 * and through the gateway: sequentially for latency (p50/p99), then with concurrency for
 * throughput. Bounded in count; nothing is sent anywhere but 127.0.0.1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processTreeCpuMs } from "./process-cpu.ts";

const WARMUP = 300;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const root = new URL("..", import.meta.url).pathname;

const body = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Benchmark: say hello." }],
});

function start(args: string[], env: Record<string, string>, banner: RegExp) {
  const child = spawn(join(root, "node_modules/.bin/tsx"), args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
      const match = banner.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { child, ready };
}

async function graphql(base: string, token: string, query: string, variables: object) {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as {
    data: Record<string, Record<string, unknown>>;
    errors?: unknown;
  };
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

async function oneCall(url: string, headers: Record<string, string>, payload: string) {
  const started = performance.now();
  const response = await fetch(url, { method: "POST", headers, body: payload });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

async function sequential(n: number, call: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await call());
  return samples.sort((a, b) => a - b);
}

async function throughput(n: number, concurrency: number, call: () => Promise<number>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await call();
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-bench-"));
  const masterKey = `bench-${crypto.randomUUID()}`;
  const children: ChildProcess[] = [];
  try {
    const upstream = start(["bench/upstream.ts"], {}, /upstream (\S+)/);
    // BENCH_PROFILE_DIR=dir writes a V8 CPU profile of the gateway there (open it in DevTools).
    const profile = process.env.BENCH_PROFILE_DIR
      ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
      : [];
    const gateway = start(
      [...profile, "functions/runtimes/node.ts"],
      {
        PORT: "0",
        SWITCHYARD_DATA_DIR: dataDir,
        MASTER_KEY: masterKey,
        ENCRYPTION_KEY: `bench-encryption-${crypto.randomUUID()}`,
      },
      /listening on (http:\/\/localhost:\d+)/,
    );
    children.push(upstream.child, gateway.child);
    const upstreamUrl = await upstream.ready;
    const gatewayUrl = (await gateway.ready).replace("localhost", "127.0.0.1");
    const bare = start(["bench/bare-proxy.ts"], { BENCH_UPSTREAM: upstreamUrl }, /proxy (\S+)/);
    children.push(bare.child);
    const bareUrl = await bare.ready;

    const { createOrg } = await graphql(
      gatewayUrl,
      masterKey,
      `mutation { createOrg(input: {name: "bench"}) { org { id } } }`,
      {},
    );
    const orgId = (createOrg?.org as { id: string } | undefined)?.id;
    if (!orgId) throw new Error("createOrg returned no org");
    await graphql(
      gatewayUrl,
      masterKey,
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
      {
        input: {
          orgId,
          kind: "openai-compatible",
          name: "fake",
          baseUrl: upstreamUrl,
          apiKey: "sk-bench",
        },
      },
    );
    const { createVirtualKey } = await graphql(
      gatewayUrl,
      masterKey,
      `mutation ($orgId: ID!) { createVirtualKey(input: {orgId: $orgId, name: "bench"}) { secret } }`,
      { orgId },
    );
    const key = createVirtualKey?.secret as string;
    // A second key under rate limits and budgets on the key and the org: every check in play.
    const limited = await graphql(
      gatewayUrl,
      masterKey,
      `mutation ($orgId: ID!) {
        createVirtualKey(input: {orgId: $orgId, name: "limited", rpm: 10000000, tpm: 1000000000, maxConcurrency: 1000}) { key { id } secret }
      }`,
      { orgId },
    );
    const limitedKey = limited.createVirtualKey as { key: { id: string }; secret: string };
    for (const [scope, scopeId] of [
      ["KEY", limitedKey.key.id],
      ["ORG", orgId],
    ] as const) {
      await graphql(
        gatewayUrl,
        masterKey,
        `mutation ($scope: LimitScope!, $scopeId: ID!) {
          setBudget(input: {scope: $scope, scopeId: $scopeId, limitUsd: "1000000", window: "30d"}) { budget { id } }
        }`,
        { scope, scopeId },
      );
    }

    const direct = () =>
      oneCall(
        `${upstreamUrl}/chat/completions`,
        { "content-type": "application/json", authorization: "Bearer sk-bench" },
        body,
      );
    const viaGateway = () =>
      oneCall(
        `${gatewayUrl}/v1/chat/completions`,
        { "content-type": "application/json", authorization: `Bearer ${key}` },
        body.replace('"gpt-4o-mini"', '"fake/gpt-4o-mini"'),
      );

    const viaLimitedGateway = () =>
      oneCall(
        `${gatewayUrl}/v1/chat/completions`,
        { "content-type": "application/json", authorization: `Bearer ${limitedKey.secret}` },
        body.replace('"gpt-4o-mini"', '"fake/gpt-4o-mini"'),
      );

    const viaBareProxy = () => oneCall(bareUrl, { "content-type": "application/json" }, body);

    /** Throughput, and the CPU the serving process tree spent per call meanwhile (µs). */
    const measured = async (call: () => Promise<number>, pid: number | undefined) => {
      const before = pid === undefined ? 0 : processTreeCpuMs(pid);
      const rps = await throughput(CONCURRENT, CONCURRENCY, call);
      const cpuUs =
        pid === undefined ? Number.NaN : ((processTreeCpuMs(pid) - before) * 1000) / CONCURRENT;
      return { rps, cpuUs };
    };

    await sequential(WARMUP, direct);
    await sequential(WARMUP, viaBareProxy);
    await sequential(WARMUP, viaGateway);
    await sequential(WARMUP, viaLimitedGateway);
    const directSamples = await sequential(SEQUENTIAL, direct);
    const bareSamples = await sequential(SEQUENTIAL, viaBareProxy);
    const gatewaySamples = await sequential(SEQUENTIAL, viaGateway);
    const limitedSamples = await sequential(SEQUENTIAL, viaLimitedGateway);
    const directRun = await measured(direct, upstream.child.pid);
    const bareRun = await measured(viaBareProxy, bare.child.pid);
    const gatewayRun = await measured(viaGateway, gateway.child.pid);
    const limitedRun = await measured(viaLimitedGateway, gateway.child.pid);

    const row = (name: string, samples: number[], run: { rps: number; cpuUs: number }) =>
      `${name.padEnd(14)} ${percentile(samples, 50).toFixed(3).padStart(9)} ${percentile(samples, 99).toFixed(3).padStart(9)} ${run.rps.toFixed(0).padStart(9)} ${run.cpuUs.toFixed(0).padStart(12)}`;
    console.log(
      `\nnon-streaming chat completion, ${SEQUENTIAL} sequential calls; throughput: ${CONCURRENT} calls at concurrency ${CONCURRENCY}`,
    );
    console.log(
      `${"".padEnd(14)} ${"p50 ms".padStart(9)} ${"p99 ms".padStart(9)} ${"req/s".padStart(9)} ${"CPU µs/call".padStart(12)}`,
    );
    const added = (name: string, samples: number[], base: number[]) =>
      `${name.padEnd(14)} ${(percentile(samples, 50) - percentile(base, 50)).toFixed(3).padStart(9)} ${(percentile(samples, 99) - percentile(base, 99)).toFixed(3).padStart(9)}`;
    console.log(row("direct", directSamples, directRun));
    console.log(row("bare proxy", bareSamples, bareRun));
    console.log(row("gateway", gatewaySamples, gatewayRun));
    console.log(row("gateway+limits", limitedSamples, limitedRun));
    console.log(added("added", gatewaySamples, directSamples));
    console.log(added("  by hop", bareSamples, directSamples));
    console.log(added("  by us", gatewaySamples, bareSamples));
    console.log(added("  by limits", limitedSamples, gatewaySamples));
    console.log(
      `limits: ${(limitedRun.cpuUs - gatewayRun.cpuUs).toFixed(0)} µs of gateway CPU per call over the same call without rules (both make one Redis round trip; test/limits/hot-path.test.ts asserts 0 SQL and 1 round trip)`,
    );
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
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
