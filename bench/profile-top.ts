/**
 * `tsx bench/profile-top.ts file.cpuprofile [n]`: the top of a V8 CPU profile, as text. Self time
 * by area (each of our folders, each kind of library, Node, V8), by function and by source
 * (package or project file), and inclusive time by source, so a load window's profile can be read
 * (and diffed) without DevTools.
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, count] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file ?? "", "utf8")) as Profile;
const top = Number(count ?? 25);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].reduce(
  (sum, [id, us]) =>
    ["(idle)", "(program)"].includes(byId.get(id)?.callFrame.functionName ?? "") ? sum + us : sum,
  0,
);

function source(url: string): string {
  if (!url) return "(native/vm)";
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + 13).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const project = url.search(/\/(functions|db)\//);
  return project >= 0 ? url.slice(project + 1) : url;
}

/** Libraries by the job they do for a gateway call, so the areas read as its parts. */
const LIBRARY_AREAS: Record<string, string> = {
  undici: "upstream HTTP client (undici)",
  "@hono/node-server": "HTTP server adapter (Hono)",
  hono: "HTTP server adapter (Hono)",
  ioredis: "Redis client (ioredis, @upstash/redis)",
  "@upstash/redis": "Redis client (ioredis, @upstash/redis)",
  "drizzle-orm": "SQL client (drizzle, pg, PGlite)",
  pg: "SQL client (drizzle, pg, PGlite)",
  "pg-protocol": "SQL client (drizzle, pg, PGlite)",
  "@electric-sql/pglite": "SQL client (drizzle, pg, PGlite)",
  "pg-pool": "SQL client (drizzle, pg, PGlite)",
  "standard-as-callback": "Redis client (ioredis, @upstash/redis)",
  zod: "validation (zod)",
  "prom-client": "metrics (prom-client)",
  pino: "logging (pino)",
  "eventsource-parser": "SSE parsing (eventsource-parser)",
  "lru-cache": "caches (lru-cache)",
};

function area(source: string): string {
  if (source === "(native/vm)") return "V8 and native code (GC, syscalls, builtins)";
  if (source.startsWith("node:")) return "Node's own JavaScript (streams, net, http, timers)";
  if (source.startsWith("wasm://")) return "WASM (PGlite, tokenizer)";
  const ours = /^(functions|db)\/([^/]+)/.exec(source);
  if (ours) return `ours: ${ours[1]}/${ours[2]?.replace(/\.[jt]s$/, "")}`;
  return LIBRARY_AREAS[source] ?? `other: ${source}`;
}

const add = (map: Map<string, number>, key: string, us: number) =>
  map.set(key, (map.get(key) ?? 0) + us);
const fnSelf = new Map<string, number>();
const srcSelf = new Map<string, number>();
const areaSelf = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  add(
    fnSelf,
    `${frame.functionName || "(anonymous)"} ${source(frame.url)}:${frame.lineNumber + 1}`,
    us,
  );
  add(srcSelf, source(frame.url), us);
  if (!["(idle)", "(program)"].includes(frame.functionName))
    add(areaSelf, area(source(frame.url)), us);
  // Inclusive per project file and per package: every distinct one on the stack counts once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const url = byId.get(at)?.callFrame.url ?? "";
    const key = source(url);
    if (url && !seen.has(key)) {
      seen.add(key);
      add(inclusive, key, us);
    }
  }
}

const busy = total - idle;
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
};
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled`);
show("self time by area (% of busy)", areaSelf);
show("self time by function", fnSelf);
show("self time by source", srcSelf);
show("inclusive time by source", inclusive);
