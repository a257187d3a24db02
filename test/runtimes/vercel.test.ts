/**
 * The Vercel function entry (api/index.ts) serves the same app: its method exports answer real
 * requests, with the environment read as on Vercel. Migrations run in the build step there
 * (`npm run db:migrate`), so this test migrates the store first, as the build would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSql } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";

type Handler = (request: Request) => Promise<Response>;
let entry: { GET: Handler; POST: Handler; OPTIONS: Handler };
let dataDir: string;
const masterKey = `vercel-master-${crypto.randomUUID()}`;
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

const url = (path: string) => `https://switchyard.vercel.app${path}`;

interface Payloads {
  createOrg?: { org: { id: string } };
  createVirtualKey?: { secret: string };
}

async function graphql(query: string, variables: Record<string, unknown> = {}) {
  const response = await entry.POST(
    new Request(url("/graphql"), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { data?: Payloads; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data ?? {};
}

describe("api/index.ts", () => {
  it("answers /health through GET", async () => {
    const response = await entry.GET(new Request(url("/health")));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("serves the admin API and a governed chat completion", async () => {
    const created = await graphql(`mutation { createOrg(input: {name: "vercel"}) { org { id } } }`);
    const orgId = created.createOrg?.org.id;
    const keyed = await graphql(
      `mutation ($org: ID!) { createVirtualKey(input: {orgId: $org, name: "edge"}) { secret } }`,
      { org: orgId },
    );
    const response = await entry.POST(
      new Request(url("/v1/chat/completions"), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${keyed.createVirtualKey?.secret}`,
        },
        body: JSON.stringify({
          model: "mock/echo",
          messages: [{ role: "user", content: "from the edge" }],
        }),
      }),
    );
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
