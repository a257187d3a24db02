/**
 * Signed audit checkpoints and the offline verifier (scripts/verify-audit-log.mjs), run as a
 * user would run it: on a file exported through the admin API.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signerFromPrivateKey } from "../../functions/audit/checkpoint-signer.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { callAs, createAgentWithKey, createGrant, createOrg, revokeGrant } from "./a2a.ts";

const run = promisify(execFile);

interface Exported {
  events: Array<Record<string, unknown>>;
  checkpoint: { signedText: string; publicKey: string; signature: string };
}

let gateway: TestGateway;
let folder: string;
let exported: Exported;
let orgId: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  folder = await mkdtemp(join(tmpdir(), "audit-export-"));
  orgId = await createOrg(gateway);
  const a = await createAgentWithKey(gateway, orgId, "A");
  const b = await createAgentWithKey(gateway, orgId, "B");
  const grant = await createGrant(gateway, {
    fromAgentId: a.id,
    toAgentId: b.id,
    maxSpendUsd: "1",
  });
  await callAs(gateway, b.key, grant.token);
  await revokeGrant(gateway, grant.id);
  await gateway.services.background.drain();
  const data = await gateway.admin<{ auditLogExport: Exported }>(
    `query ($org: ID!) { auditLogExport(orgId: $org) }`,
    { org: orgId },
  );
  exported = data.auditLogExport;
});
afterAll(async () => {
  await gateway?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** Runs the verifier on a file; resolves to its exit code and output. */
async function verifyFile(content: unknown, ...args: string[]) {
  const file = join(folder, `${crypto.randomUUID()}.json`);
  await writeFile(file, JSON.stringify(content));
  try {
    const { stdout, stderr } = await run(process.execPath, [
      "scripts/verify-audit-log.mjs",
      file,
      ...args,
    ]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe("the offline audit verifier", () => {
  it("accepts the log as exported, with the server's key pinned", async () => {
    const resolution = await gateway.services.auditSigner();
    if (!resolution.ok) throw new Error(resolution.reason);
    expect(exported.events.map((event) => event.action)).toEqual(
      expect.arrayContaining([
        "agent.created",
        "delegation_grant.created",
        "delegation_grant.first_used",
        "delegation_grant.revoked",
      ]),
    );
    const verdict = await verifyFile(exported, "--public-key", resolution.signer.publicKey);
    expect(verdict).toEqual({
      code: 0,
      output: `valid: ${exported.events.length} events, checkpoint at seq ${exported.events.length}\n`,
    });
  });

  it("detects an edited row", async () => {
    const events = exported.events.map((event, i) =>
      i === 2 ? { ...event, data: { ...(event.data as object), maxSpendNanoUsd: 999 } } : event,
    );
    const verdict = await verifyFile({ ...exported, events });
    expect(verdict.code).toBe(1);
    expect(verdict.output).toContain("content does not match its hash");
  });

  it("detects a row edited and rehashed, and a log cut short of its checkpoint", async () => {
    const last = exported.events.at(-1) as Record<string, unknown>;
    const rehashed = {
      ...exported,
      events: [
        ...exported.events.slice(0, -1),
        { ...last, actor_id: "someone-else", hash: "0".repeat(64) },
      ],
    };
    expect((await verifyFile(rehashed)).code).toBe(1);
    const cut = await verifyFile({ ...exported, events: exported.events.slice(0, -1) });
    expect(cut.code).toBe(1);
    expect(cut.output).toContain("checkpoint vouches for");
  });

  it("refuses a checkpoint signed by another key than the one pinned", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const other = signerFromPrivateKey(
      generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    );
    const forged = {
      ...exported,
      checkpoint: {
        ...exported.checkpoint,
        publicKey: other.publicKey,
        signature: other.sign(exported.checkpoint.signedText),
      },
    };
    // Self-consistent, so only pinning the server's key catches it.
    expect((await verifyFile(forged)).code).toBe(0);
    const { publicKey } = exported.checkpoint;
    const pinned = await verifyFile(forged, "--public-key", publicKey);
    expect(pinned.code).toBe(1);
    expect(pinned.output).toContain("signature does not verify");
  });
});

describe("auditCheckpoint", () => {
  it("signs the chain head the log ends with", async () => {
    const data = await gateway.admin<{ auditCheckpoint: { seq: number; headHash: string } }>(
      `query ($org: ID!) { auditCheckpoint(orgId: $org) { seq headHash signedText signature publicKey } }`,
      { org: orgId },
    );
    const last = exported.events.at(-1);
    expect(data.auditCheckpoint).toMatchObject({ seq: last?.seq, headHash: last?.hash });
  });
});
