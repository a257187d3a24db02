/**
 * `npm run bench:fallback`: what a fallback costs. Two fake upstreams (one answers, one fails
 * every call at once with 503) and the gateway (the real Node entry, embedded stores unless
 * DATABASE_URL/REDIS_URL say otherwise) each run in their own process on loopback; this process
 * is the client. Sequential calls, timed at the client:
 *
 * - `provider/model`: the healthy deployment named directly (no route);
 * - `route, 1 deployment`: a route whose only deployment answers (one attempt);
 * - `fallback after 503`: a route whose first deployment fails with 503 and whose second
 *   answers (two attempts). Each such route is used 4 times only, below the breaker's 5
 *   consecutive failures, so every sample is a real 503 followed by a fallback;
 * - `circuit open`: a route whose failing deployment's breaker is open: it is skipped without a
 *   network call.
 *
 * The rows are measured interleaved, so that load from elsewhere on the machine falls on all.
 *
 * The fallback latency is the difference between the fallback row and the one-deployment row.
 */
import type { ChildProcess } from "node:child_process";
import { adminClient, percentile, startGateway, startUpstream } from "./setup-gateway.ts";

const ROUTES = Number(process.env.BENCH_FALLBACK_ROUTES ?? 50);
const CALLS_PER_ROUTE = 4;
const SEQUENTIAL = ROUTES * CALLS_PER_ROUTE;

/** One call, checked to have been answered; its latency in ms and how many attempts it took. */
async function oneCall(gateway: string, key: string, model: string) {
  const started = performance.now();
  const response = await fetch(`${gateway}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Benchmark: hello." }] }),
  });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${model} answered ${response.status}`);
  return { ms, attempts: response.headers.get("x-switchyard-attempts") };
}

async function untilSkipped(gateway: string, key: string, model: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(`${gateway}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Benchmark: hello." }] }),
    });
    await response.arrayBuffer();
    if (response.headers.get("x-switchyard-attempts") === "1") return;
  }
  throw new Error(`${model}'s circuit did not open`);
}

async function main() {
  const children: ChildProcess[] = [];
  const gateway = await startGateway();
  try {
    const healthy = startUpstream("bench/upstream.ts");
    const failing = startUpstream("bench/failing-upstream.ts");
    children.push(healthy.child, failing.child, gateway.child);
    const [healthyUrl, failingUrl] = [await healthy.ready, await failing.ready];
    const gatewayUrl = await gateway.ready;
    const graphql = adminClient(gatewayUrl, gateway.masterKey);

    const { createOrg } = await graphql(
      `mutation { createOrg(input: {name: "bench"}) { org { id } } }`,
      {},
    );
    const orgId = (createOrg as { org: { id: string } }).org.id;
    const provider = async (name: string, baseUrl: string) => {
      const data = await graphql(
        `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
        { input: { orgId, kind: "openai-compatible", name, baseUrl, apiKey: "sk-bench" } },
      );
      return (data.createProvider as { provider: { id: string } }).provider.id;
    };
    const route = (alias: string, providerIds: string[]) =>
      graphql(
        `mutation ($input: CreateModelRouteInput!) { createModelRoute(input: $input) { route { id } } }`,
        {
          input: {
            orgId,
            alias,
            strategy: "PRIORITY",
            deployments: providerIds.map((providerId) => ({ providerId, model: "gpt-4o-mini" })),
          },
        },
      );
    const healthyId = await provider("healthy", healthyUrl);
    await route("single", [healthyId]);
    // Every fallback route has its own failing provider, so its own circuit breaker.
    for (let i = 0; i <= ROUTES; i++) {
      await route(`fallback-${i}`, [await provider(`failing-${i}`, failingUrl), healthyId]);
    }
    const { createVirtualKey } = await graphql(
      `mutation ($orgId: ID!) { createVirtualKey(input: {orgId: $orgId, name: "bench"}) { secret } }`,
      { orgId },
    );
    const key = (createVirtualKey as { secret: string }).secret;

    for (let i = 0; i < 100; i++) await oneCall(gatewayUrl, key, "healthy/gpt-4o-mini");
    for (let i = 0; i < 100; i++) await oneCall(gatewayUrl, key, "single");
    // fallback-open: five consecutive 503s open its breaker before the measurement starts.
    for (let i = 0; i < 5; i++) await oneCall(gatewayUrl, key, `fallback-${ROUTES}`);
    await untilSkipped(gatewayUrl, key, `fallback-${ROUTES}`);

    // The rows are measured interleaved, one call of each in turn, so that load from anything
    // else on the machine falls on all of them alike.
    const rows: Array<[string, number[]]> = [
      ["provider/model (no route)", []],
      ["route, 1 deployment", []],
      ["fallback after 503", []],
      ["circuit open (skipped)", []],
    ];
    const measure = async (row: number, model: string, attempts: string) => {
      const { ms, attempts: seen } = await oneCall(gatewayUrl, key, model);
      if (seen !== attempts) throw new Error(`${model}: ${seen} attempts, not ${attempts}`);
      rows[row]?.[1].push(ms);
    };
    let probes = 0;
    for (let i = 0; i < SEQUENTIAL; i++) {
      await measure(0, "healthy/gpt-4o-mini", "1");
      await measure(1, "single", "1");
      await measure(2, `fallback-${Math.floor(i / CALLS_PER_ROUTE)}`, "2");
      const open = await oneCall(gatewayUrl, key, `fallback-${ROUTES}`);
      // After 30 s one call probes the ejected deployment (and fails, ejecting it again): that
      // is not a skip, so it is counted apart.
      if (open.attempts === "1") rows[3]?.[1].push(open.ms);
      else probes += 1;
    }
    for (const [, samples] of rows) samples.sort((a, b) => a - b);

    const fmt = (ms: number) => ms.toFixed(2).padStart(8);
    console.log(
      `\n${"path".padEnd(28)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"mean".padStart(8)}      n`,
    );
    for (const [label, sorted] of rows) {
      const mean = sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length;
      console.log(
        `${label.padEnd(28)} ${fmt(percentile(sorted, 50))} ${fmt(percentile(sorted, 99))} ${fmt(mean)} ${String(sorted.length).padStart(6)}`,
      );
    }
    const p = (label: string, q: number) =>
      percentile(rows.find(([name]) => name === label)?.[1] ?? [], q);
    console.log(`\nhalf-open probes left out of the circuit-open row: ${probes}`);
    console.log(
      `\nfallback latency (fallback after 503 − route, 1 deployment): p50 ${(p("fallback after 503", 50) - p("route, 1 deployment", 50)).toFixed(2)} ms, p99 ${(p("fallback after 503", 99) - p("route, 1 deployment", 99)).toFixed(2)} ms`,
    );
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await gateway.cleanUp();
  }
}

await main();
