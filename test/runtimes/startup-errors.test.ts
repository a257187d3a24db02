/**
 * A refused configuration is reported as one sentence and a failed exit, not as a stack trace:
 * the operator reading it has a setting to fix, not a bug to report.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchyard-startup-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** `npm start`'s command, run to its end; resolves with what it printed and its exit code. */
async function startNode(env: Record<string, string>) {
  const run = promisify(execFile);
  try {
    const { stdout, stderr } = await run(
      join(root, "node_modules/.bin/tsx"),
      ["functions/runtimes/node.ts"],
      {
        cwd: root,
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? "", SWITCHYARD_DATA_DIR: dataDir, PORT: "0", ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("starting in production with weak secrets", () => {
  it("exits 1 with one sentence naming the variable and the reason, without a stack trace", async () => {
    const { code, stdout, stderr } = await startNode({
      NODE_ENV: "production",
      MASTER_KEY: "a",
      ENCRYPTION_KEY: "e".repeat(32),
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim()).toBe(
      "Switchyard cannot start: MASTER_KEY is too short (1 character; at least 32 are required): generate one, for example with `openssl rand -hex 32`.",
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it("refuses an ENCRYPTION_KEY of 32 identical characters the same way", async () => {
    const { code, stderr } = await startNode({
      NODE_ENV: "production",
      MASTER_KEY: "sya-Q7mZ2pL9xV4kR8tN1wB6cY3hJ5dF0gS",
      ENCRYPTION_KEY: "e".repeat(32),
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "Switchyard cannot start: ENCRYPTION_KEY is one short pattern repeated: generate one, for example with `openssl rand -hex 32`.",
    );
  }, 60_000);
});
