/**
 * The Vercel function entry (api/index.ts) serves the same app: its method exports answer real
 * requests, with the environment read as on Vercel. Migrations run in the build step there
 * (`npm run vercel-build`), so this test migrates the store first, as the build would. The
 * built output itself is checked by `npm run check:vercel` (test/deploy/*.vercel.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSql } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import {
  chat,
  installVercelRequestContext,
  orgWithKey,
  recordedRequests,
  url,
  type VercelEntry,
} from "../deploy/vercel-calls.ts";

let entry: VercelEntry;
let dataDir: string;
const masterKey = `vercel-master-${crypto.randomUUID()}`;
const cronSecret = `cron-${crypto.randomUUID()}`;
const saved = { ...process.env };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchyard-vercel-"));
  // Only this test's stores: embedded, in its own folder (this file runs in its own worker).
  for (const name of ["DATABASE_URL", "REDIS_URL", "UPSTASH_REDIS_REST_URL"]) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    SWITCHYARD_DATA_DIR: dataDir,
    MASTER_KEY: masterKey,
    ENCRYPTION_KEY: `vercel-encryption-${crypto.randomUUID()}`,
    CRON_SECRET: cronSecret,
  });
  const build = await createSql({ dataDir });
  await migrateDatabase(build);
  await build.close();
  entry = await import("../../api/index.ts");
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await rm(dataDir, { recursive: true, force: true });
});

describe("api/index.ts", () => {
  it("answers /health through GET", async () => {
    const response = await entry.GET(new Request(url("/health")));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("serves the admin API and a governed chat completion", async () => {
    const { secret } = await orgWithKey(entry, masterKey);
    const response = await chat(entry, secret, "from the edge");
    expect(response.status).toBe(200);
    const completion = (await response.json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(completion.choices[0]?.message.content).toContain("from the edge");
  });

  it("answers an unknown key with the OpenAI error shape", async () => {
    const response = await entry.POST(
      new Request(url("/v1/chat/completions"), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sy-nope" },
        body: JSON.stringify({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] }),
      }),
    );
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.message).toBeTruthy();
  });
});

describe("work after the response on Vercel", () => {
  let context: ReturnType<typeof installVercelRequestContext> | undefined;
  afterEach(() => context?.remove());

  it("is handed to Vercel's waitUntil, and the usage record lands once it is done", async () => {
    const { orgId, secret } = await orgWithKey(entry, masterKey);
    context = installVercelRequestContext();
    const response = await chat(entry, secret, "kept alive");
    expect(response.status).toBe(200);
    await response.text();
    // The usage record and the limits settlement were handed over, not left to luck.
    expect(context.handed.length).toBeGreaterThanOrEqual(1);
    await Promise.all(context.handed);
    expect(await recordedRequests(entry, masterKey, orgId)).toBe(1);
  });

  it("hands a stream's settlement over when the stream ends", async () => {
    const { orgId, secret } = await orgWithKey(entry, masterKey);
    context = installVercelRequestContext();
    const response = await chat(entry, secret, "streamed and kept alive", true);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("data: [DONE]");
    await expect.poll(() => context?.handed.length ?? 0).toBeGreaterThanOrEqual(1);
    await Promise.all(context.handed);
    expect(await recordedRequests(entry, masterKey, orgId)).toBe(1);
  });
});

describe("cron routes", () => {
  const cron = (job: string, token?: string) =>
    entry.GET(
      new Request(url(`/cron/${job}`), {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    );

  it("run a job for Vercel Cron's Bearer CRON_SECRET and say what it did", async () => {
    const response = await cron("usage-outbox", cronSecret);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      job: "usage-outbox",
      ok: true,
      result: { drained: expect.any(Number) },
    });
    const sealed = await cron("provider-headers", cronSecret);
    expect(await sealed.json()).toMatchObject({ ok: true, result: { sealed: 0 } });
  });

  it("refuse a call without the secret or with another one", async () => {
    expect((await cron("usage-outbox")).status).toBe(401);
    expect((await cron("usage-outbox", `${cronSecret}x`)).status).toBe(401);
    expect((await cron("usage-outbox", masterKey)).status).toBe(401);
  });

  it("answer 404 for a job that does not exist", async () => {
    expect((await cron("nope", cronSecret)).status).toBe(404);
  });
});
