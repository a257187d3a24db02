/**
 * The bench's load generator, run as its own process so that its work is not counted in the
 * process being measured. Sends `requests` POSTs over `connections` keep-alive connections
 * (undici Pool) and prints one JSON line: wall time, latency and time-to-first-body-byte
 * percentiles. Usage: tsx bench/load.ts '<json LoadSpec>'.
 *
 * The warm-up runs in the same process, before the measured requests: it warms this generator's
 * JIT as well as the server's. A cold generator sends requests more sparsely, and a server that
 * gets fewer requests per event-loop turn spends more CPU on each (more wakeups, fewer reads
 * coalesced), so a fresh generator for the measured window made the server look dearer than it
 * is. Between the two phases it prints `warm` and waits for a line on stdin: the parent reads the
 * server's CPU counter (and starts a profile) there.
 */
import { createInterface } from "node:readline";
import { Pool } from "undici";

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  warmup: number;
  requests: number;
}

export interface LoadResult {
  seconds: number;
  errors: number;
  latencyMs: { p50: number; p99: number };
  ttfbMs: { p50: number; p99: number };
}

const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
const url = new URL(spec.url);
const pool = new Pool(url.origin, { connections: spec.connections, pipelining: 1 });

let latencies: number[] = [];
let ttfbs: number[] = [];
let errors = 0;

async function one() {
  const started = performance.now();
  let first = 0;
  const { statusCode, body } = await pool.request({
    path: url.pathname,
    method: "POST",
    headers: spec.headers,
    body: spec.body,
  });
  for await (const _chunk of body) if (first === 0) first = performance.now();
  const done = performance.now();
  if (statusCode !== 200) errors++;
  latencies.push(done - started);
  ttfbs.push((first || done) - started);
}

/** `requests` calls over `connections` concurrent loops; the wall seconds they took. */
async function phase(requests: number): Promise<number> {
  latencies = [];
  ttfbs = [];
  errors = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (issued++ < requests) {
        try {
          await one();
        } catch {
          errors++;
        }
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

if (spec.warmup > 0) await phase(spec.warmup);
process.stdout.write("warm\n");
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
await lines.next();
const seconds = await phase(spec.requests);
await pool.close();

const pct = (values: number[], p: number) => {
  const sorted = values.sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const result: LoadResult = {
  seconds,
  errors,
  latencyMs: { p50: pct(latencies, 50), p99: pct(latencies, 99) },
  ttfbMs: { p50: pct(ttfbs, 50), p99: pct(ttfbs, 99) },
};
console.log(JSON.stringify(result));
