/**
 * What `vercel build` produced (scripts/check-vercel-build.sh builds it first, offline, with the
 * build step migrating a fresh Postgres database): one Node function for the whole app, the
 * routes vercel.json asks for, the crons cron-jobs.ts defines, and a handler that, imported as
 * Vercel imports it, answers real Requests from that database.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRON_JOBS } from "../../functions/cron/cron-jobs.ts";
import {
  chat,
  installVercelRequestContext,
  orgWithKey,
  recordedRequests,
  url,
  type VercelEntry,
} from "./vercel-calls.ts";

const output = process.env.SWITCHYARD_VERCEL_OUTPUT ?? "";
const functionDir = join(output, "functions/api/index.func");
const masterKey = `vercel-built-${crypto.randomUUID()}`;
const cronSecret = `cron-${crypto.randomUUID()}`;
const metricsToken = `metrics-${crypto.randomUUID()}`;
const saved = { ...process.env };

interface Route {
  src?: string;
  dest?: string;
  status?: number;
  handle?: string;
}
let config: { routes: Route[]; crons?: Array<{ path: string; schedule: string }> };
let functionConfig: Record<string, unknown>;
let entry: VercelEntry;

beforeAll(async () => {
  if (!output) throw new Error("SWITCHYARD_VERCEL_OUTPUT is not set: run npm run check:vercel");
  if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL: the database the build migrated");
  config = JSON.parse(await readFile(join(output, "config.json"), "utf8"));
  functionConfig = JSON.parse(await readFile(join(functionDir, ".vc-config.json"), "utf8"));
  for (const name of ["REDIS_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"]) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    VERCEL: "1",
    VERCEL_ENV: "preview",
    VERCEL_DEPLOYMENT_ID: `dpl_check_${crypto.randomUUID().slice(0, 8)}`,
    MASTER_KEY: masterKey,
    ENCRYPTION_KEY: `vercel-built-encryption-${crypto.randomUUID()}`,
    CRON_SECRET: cronSecret,
    SWITCHYARD_METRICS_TOKEN: metricsToken,
  });
  const handler = String(functionConfig.handler);
  entry = await import(pathToFileURL(join(functionDir, handler)).href);
});

afterAll(() => {
  process.env = saved;
});

/** Where Vercel's router sends a path: the first route whose src matches, as it reads them. */
function routed(path: string): string | number | undefined {
  for (const route of config.routes) {
    if (route.handle || !route.src) continue;
    if (new RegExp(route.src).test(path)) return route.dest ?? route.status;
  }
  return undefined;
}

describe("vercel build output", () => {
  it("has one Node 22+ function for the app, with time for long streams", () => {
    expect(functionConfig).toMatchObject({
      handler: "api/index.js",
      launcherType: "Nodejs",
      maxDuration: 300,
      memory: 1024,
    });
    expect(String(functionConfig.runtime)).toMatch(/^nodejs(22|24)\.x$/);
  });

  it.each([
    "/v1/chat/completions",
    "/v1/models",
    "/graphql",
    "/health",
    "/ready",
    "/metrics",
    "/cron/usage-outbox",
  ])("routes %s to the function", (path) => {
    expect(String(routed(path))).toMatch(/^\/api(\?|$)/);
  });

  it("does not expose the function's own path", () => {
    expect(routed("/api/index")).toBe(404);
  });

  it("schedules every cron job, as cron-jobs.ts defines them", () => {
    expect(config.crons).toEqual(
      CRON_JOBS.map((job) => ({ path: `/cron/${job.name}`, schedule: job.schedule })),
    );
  });
});

describe("the built function", () => {
  it("answers /health and /ready from the database the build migrated", async () => {
    expect((await entry.GET(new Request(url("/health")))).status).toBe(200);
    const ready = await entry.GET(new Request(url("/ready")));
    expect(await ready.json()).toMatchObject({ status: "ready", database: "ok", redis: "ok" });
  });

  it("serves the admin API and a chat completion, handing its usage record to waitUntil", async () => {
    const { orgId, secret } = await orgWithKey(entry, masterKey);
    const context = installVercelRequestContext();
    try {
      const response = await chat(entry, secret, "built and deployed");
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("built and deployed");
      expect(context.handed.length).toBeGreaterThanOrEqual(1);
      await Promise.all(context.handed);
    } finally {
      context.remove();
    }
    expect(await recordedRequests(entry, masterKey, orgId)).toBe(1);
  });

  it("runs a cron job for CRON_SECRET only", async () => {
    const job = (token?: string) =>
      entry.GET(
        new Request(url("/cron/usage-outbox"), {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
      );
    expect((await job()).status).toBe(401);
    const ran = await job(cronSecret);
    expect(ran.status).toBe(200);
    expect(await ran.json()).toMatchObject({ ok: true, result: { drained: 0 } });
  });

  it("serves /metrics for its token", async () => {
    const metrics = await entry.GET(
      new Request(url("/metrics"), { headers: { authorization: `Bearer ${metricsToken}` } }),
    );
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain(
      'switchyard_requests_total{endpoint="/v1/chat/completions"',
    );
  });
});
