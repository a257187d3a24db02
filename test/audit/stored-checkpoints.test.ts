/**
 * Periodic stored checkpoints: the audit-checkpoints cron job signs the head of every chain that
 * moved since its last stored checkpoint, once per head however many runs or instances race, and
 * the offline verifier holds a chain to them. The case they exist for: someone with write access
 * to the database rewrites a row after a checkpoint and recomputes every hash after it. The
 * chain then verifies, a checkpoint signed at export time vouches for the forgery, and only a
 * checkpoint signed before the rewrite catches it.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCheckpoints, auditEvents } from "../../db/schema/index.ts";
import { type AuditContent, auditHashOf, GENESIS_HASH } from "../../functions/audit/audit-hash.ts";
import { rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";

const run = promisify(execFile);
const CRON_SECRET = `cron-${crypto.randomUUID()}`;
// One key for both instances, as a deployment configures it (each test instance has its own
// data folder, so the development key would differ).
const SIGNING_KEY = generateKeyPairSync("ed25519")
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

let first: TestGateway;
let second: TestGateway;
let folder: string;
beforeAll(async () => {
  const env = { CRON_SECRET, SWITCHYARD_AUDIT_SIGNING_KEY: SIGNING_KEY };
  first = await startTestGateway({ env });
  second = await startTestGateway({ env, sameDeploymentAs: first });
  folder = await mkdtemp(join(tmpdir(), "stored-checkpoints-"));
}, 60_000);
afterAll(async () => {
  await second?.close();
  await first?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function cron(gateway: TestGateway, token?: string): Promise<Response> {
  return gateway.app.fetch(
    new Request("http://switchyard.test/cron/audit-checkpoints", {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }),
  );
}

async function runJob(gateway: TestGateway): Promise<{ chains: number; stored: number }> {
  const response = await cron(gateway, CRON_SECRET);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { result: { chains: number; stored: number } };
  return body.result;
}

async function createOrg(name: string): Promise<string> {
  const { createOrg } = await first.admin<{ createOrg: { org: { id: string } } }>(
    `mutation ($name: String!) { createOrg(input: { name: $name }) { org { id } } }`,
    { name },
  );
  return createOrg.org.id;
}

async function createTeam(orgId: string, name: string): Promise<void> {
  await first.admin(
    `mutation ($org: ID!, $name: String!) { createTeam(input: { orgId: $org, name: $name }) { team { id } } }`,
    { org: orgId, name },
  );
}

async function storedOf(orgId: string) {
  return first.services.sql.db
    .select()
    .from(auditCheckpoints)
    .where(eq(auditCheckpoints.orgId, rawId(orgId)))
    .orderBy(asc(auditCheckpoints.seq));
}

async function headOf(orgId: string): Promise<number> {
  const rows = await first.services.sql.db
    .select({ seq: auditEvents.seq })
    .from(auditEvents)
    .where(eq(auditEvents.orgId, rawId(orgId)));
  return Math.max(...rows.map((row) => row.seq));
}

/** Runs the verifier on files written for it; its exit code and output. */
async function verify(exported: unknown, ...args: Array<string | { checkpoints: unknown }>) {
  const file = async (content: unknown) => {
    const path = join(folder, `${crypto.randomUUID()}.json`);
    await writeFile(path, JSON.stringify(content));
    return path;
  };
  const argv = [await file(exported)];
  for (const arg of args) {
    if (typeof arg === "string") argv.push(arg);
    else argv.push("--checkpoints", await file(arg.checkpoints));
  }
  try {
    const { stdout, stderr } = await run(process.execPath, [
      "scripts/verify-audit-log.mjs",
      ...argv,
    ]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

interface Exported {
  events: Array<Record<string, unknown>>;
  checkpoint: unknown;
  checkpoints: unknown[];
}

const exportOf = async (orgId: string) =>
  (
    await first.admin<{ auditLogExport: Exported }>(
      `query ($org: ID!) { auditLogExport(orgId: $org) }`,
      { org: orgId },
    )
  ).auditLogExport;

/** What an intruder with database access does: edit a row and rehash the chain from there on. */
async function rewriteChain(orgId: string, seq: number) {
  const { db } = first.services.sql;
  const rows = await db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.orgId, rawId(orgId)))
    .orderBy(asc(auditEvents.seq));
  await db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_events disable trigger audit_events_append_only`);
    let previous = GENESIS_HASH;
    for (const row of rows) {
      const data = row.seq === seq ? { ...row.data, forged: true } : row.data;
      const content: AuditContent = { ...row, data, prevHash: previous };
      const hash = await auditHashOf(content);
      await tx
        .update(auditEvents)
        .set({ data, prevHash: previous, hash })
        .where(eq(auditEvents.id, row.id));
      previous = hash;
    }
    await tx.execute(sql`alter table audit_events enable trigger audit_events_append_only`);
  });
}

describe("the audit-checkpoints cron job", () => {
  it("refuses a call without CRON_SECRET", async () => {
    expect((await cron(first)).status).toBe(401);
    expect((await cron(first, `${CRON_SECRET}x`)).status).toBe(401);
  });

  it("stores one checkpoint per moved chain, none on a second run, one per head when two instances race", async () => {
    const [one, two] = [await createOrg("one"), await createOrg("two")];
    await first.services.background.drain();
    const ran = await runJob(first);
    expect(ran.stored).toBe(ran.chains);
    expect(ran.stored).toBeGreaterThanOrEqual(2);
    for (const orgId of [one, two]) {
      const stored = await storedOf(orgId);
      expect(stored.map((row) => row.seq)).toEqual([await headOf(orgId)]);
    }

    expect(await runJob(first)).toEqual({ chains: 0, stored: 0 });

    await createTeam(one, "moved");
    const raced = await Promise.all([runJob(first), runJob(second)]);
    expect(raced[0].stored + raced[1].stored).toBe(1);
    expect((await storedOf(one)).map((row) => row.seq)).toEqual([
      (await headOf(one)) - 1,
      await headOf(one),
    ]);
    expect(await storedOf(two)).toHaveLength(1);
  });

  it("lists stored checkpoints on Org.auditCheckpoints, for the org's readers only", async () => {
    const orgId = await createOrg("listed");
    await runJob(first);
    await createTeam(orgId, "a");
    await runJob(first);
    const QUERY = `query ($org: ID!) { org(id: $org) { auditCheckpoints(first: 10) {
      edges { node { seq headHash signedAt signedText publicKey signature } } } } }`;
    const data = await first.admin<{
      org: { auditCheckpoints: { edges: Array<{ node: { seq: number; signedText: string } }> } };
    }>(QUERY, { org: orgId });
    const nodes = data.org.auditCheckpoints.edges.map((edge) => edge.node);
    const head = await headOf(orgId);
    expect(nodes.map((node) => node.seq)).toEqual([head, head - 1]);
    expect(JSON.parse(nodes[0]?.signedText ?? "{}")).toMatchObject({
      org_id: rawId(orgId),
      seq: head,
    });

    // Paged newest first with a cursor: the second page holds the older one alone.
    const paged = await first.admin<{
      org: {
        auditCheckpoints: {
          edges: Array<{ cursor: string; node: { seq: number } }>;
          pageInfo: { hasNextPage: boolean };
        };
      };
    }>(
      `query ($org: ID!, $after: String) { org(id: $org) { auditCheckpoints(first: 1, after: $after) {
        edges { cursor node { seq } } pageInfo { hasNextPage } } } }`,
      { org: orgId },
    );
    expect(paged.org.auditCheckpoints.edges.map((edge) => edge.node.seq)).toEqual([head]);
    expect(paged.org.auditCheckpoints.pageInfo.hasNextPage).toBe(true);
    const next = await first.admin<typeof paged>(
      `query ($org: ID!, $after: String) { org(id: $org) { auditCheckpoints(first: 1, after: $after) {
        edges { cursor node { seq } } pageInfo { hasNextPage } } } }`,
      { org: orgId, after: paged.org.auditCheckpoints.edges[0]?.cursor },
    );
    expect(next.org.auditCheckpoints.edges.map((edge) => edge.node.seq)).toEqual([head - 1]);

    const { createAdminToken } = await first.admin<{ createAdminToken: { secret: string } }>(
      `mutation ($input: CreateAdminTokenInput!) { createAdminToken(input: $input) { secret } }`,
      { input: { orgId: await createOrg("nosy"), role: "OWNER", name: "other" } },
    );
    const refused = await first.graphql(QUERY, { org: orgId }, createAdminToken.secret);
    expect(refused.data?.org ?? null).toBeNull();
  });
});

describe("the offline verifier with stored checkpoints", () => {
  it("detects a chain rewritten after a checkpoint, even with every hash recomputed", async () => {
    const orgId = await createOrg("tampered");
    await createTeam(orgId, "a");
    await runJob(first);
    const kept = await first.admin<unknown>(
      `query ($org: ID!) { org(id: $org) { auditCheckpoints { edges { node { signedText publicKey signature } } } } }`,
      { org: orgId },
    );
    await createTeam(orgId, "b");
    const publicKey = (await storedOf(orgId))[0]?.publicKey ?? "";

    const honest = await verify(await exportOf(orgId), "--public-key", publicKey);
    expect(honest).toEqual({
      code: 0,
      output: `valid: ${await headOf(orgId)} events, checkpoint at seq ${await headOf(orgId)}, 1 stored checkpoints\n`,
    });

    await rewriteChain(orgId, 1);
    const forged = await exportOf(orgId);
    // The chain is self-consistent and the checkpoint signed at export time vouches for it ...
    expect((await verify({ ...forged, checkpoints: [] }, "--public-key", publicKey)).code).toBe(0);
    // ... but the checkpoint stored before the rewrite does not.
    const caught = await verify(forged, "--public-key", publicKey);
    expect(caught.code).toBe(1);
    expect(caught.output).toContain("rewritten after it was signed");
    // Stripping the stored checkpoints from the export does not help against a kept copy.
    const kept2 = await verify({ ...forged, checkpoints: [] }, "--public-key", publicKey, {
      checkpoints: { data: kept },
    });
    expect(kept2.code).toBe(1);
    expect(kept2.output).toContain("stored checkpoint at seq");
  });
});
