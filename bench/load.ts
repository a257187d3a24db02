/**
 * The bench's load generator, run as its own process so that its work is not counted in the
 * process being measured. Sends `requests` POSTs over `connections` keep-alive connections
 * (undici Pool) and prints one JSON line: wall time, latency and time-to-first-body-byte
 * percentiles. Usage: tsx bench/load.ts '<json LoadSpec>'.
 */
import { Pool } from "undici";

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
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

const latencies: number[] = [];
const ttfbs: number[] = [];
let errors = 0;
let issued = 0;

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

const started = performance.now();
await Promise.all(
  Array.from({ length: spec.connections }, async () => {
    while (issued++ < spec.requests) {
      try {
        await one();
      } catch {
        errors++;
      }
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
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
