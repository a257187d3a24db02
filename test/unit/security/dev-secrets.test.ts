/**
 * Development bootstrap (DESIGN.md, "Admin contract"): without MASTER_KEY / ENCRYPTION_KEY the
 * server generates them once under the data folder, readable by its owner only, reuses them on
 * every later start, and reports the master key as generated only the first time.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveSecrets } from "../../../functions/security/dev-secrets.ts";
import { createKeyring } from "../../../functions/security/keyring.ts";
import { secretWeakness } from "../../../functions/security/secret-strength.ts";
import { isWellFormedToken } from "../../../functions/security/token-format.ts";

let root: string;
let dataDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "switchyard-dev-secrets-"));
  // A folder that does not exist yet, as on a fresh checkout.
  dataDir = join(root, ".switchyard");
});
afterEach(() => rm(root, { recursive: true, force: true }));

const fromEnv = (masterKey?: string, encryptionKey?: string) =>
  resolveSecrets({ dataDir, masterKey, encryptionKey });

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe("first start without keys", () => {
  it("generates a master key that is an admin token and reports it as generated", async () => {
    const secrets = await fromEnv();
    expect(isWellFormedToken(secrets.masterKey, "sya")).toBe(true);
    expect(secrets.masterKeyGenerated).toBe(true);
    expect(secrets.masterKeyFile).toBe(join(dataDir, "master-key"));
  });

  it("generates an encryption key the keyring accepts", async () => {
    const { encryptionKey } = await fromEnv();
    expect(encryptionKey).toMatch(/^[0-9a-f]{64}$/);
    await expect(createKeyring(encryptionKey)).resolves.toBeDefined();
  });

  it("generates keys that production's strength check would accept", async () => {
    const secrets = await fromEnv();
    expect(secretWeakness(secrets.masterKey)).toBeNull();
    expect(secretWeakness(secrets.encryptionKey)).toBeNull();
  });

  it("writes both keys to files only their owner can read", async () => {
    const secrets = await fromEnv();
    expect(await modeOf(join(dataDir, "master-key"))).toBe(0o600);
    expect(await modeOf(join(dataDir, "encryption-key"))).toBe(0o600);
    expect((await readFile(join(dataDir, "master-key"), "utf8")).trim()).toBe(secrets.masterKey);
    expect((await readFile(join(dataDir, "encryption-key"), "utf8")).trim()).toBe(
      secrets.encryptionKey,
    );
  });

  it("creates the data folder private to its owner", async () => {
    await fromEnv();
    expect(await modeOf(dataDir)).toBe(0o700);
  });

  it("generates different keys in different data folders", async () => {
    const first = await fromEnv();
    dataDir = join(root, "another");
    const second = await fromEnv();
    expect(second.masterKey).not.toBe(first.masterKey);
    expect(second.encryptionKey).not.toBe(first.encryptionKey);
  });
});

describe("later starts", () => {
  it("reuse both keys and no longer report the master key as generated", async () => {
    const first = await fromEnv();
    const second = await fromEnv();
    const third = await fromEnv();
    expect(second.masterKey).toBe(first.masterKey);
    expect(second.encryptionKey).toBe(first.encryptionKey);
    expect(second.masterKeyGenerated).toBe(false);
    expect(third.masterKeyGenerated).toBe(false);
    expect(second.masterKeyFile).toBe(join(dataDir, "master-key"));
  });

  it("keep the files' owner-only mode", async () => {
    await fromEnv();
    await fromEnv();
    expect(await modeOf(join(dataDir, "master-key"))).toBe(0o600);
    expect(await modeOf(join(dataDir, "encryption-key"))).toBe(0o600);
  });

  it("read a key file written by hand, ignoring surrounding whitespace", async () => {
    await fromEnv();
    await writeFile(join(dataDir, "master-key"), "  sya-hand-written  \n");
    const secrets = await fromEnv();
    expect(secrets.masterKey).toBe("sya-hand-written");
    expect(secrets.masterKeyGenerated).toBe(false);
  });

  it("replace an empty key file left by an interrupted start instead of using an empty key", async () => {
    await fromEnv();
    await writeFile(join(dataDir, "master-key"), "");
    await writeFile(join(dataDir, "encryption-key"), "\n");
    const secrets = await fromEnv();
    expect(isWellFormedToken(secrets.masterKey, "sya")).toBe(true);
    expect(secrets.masterKeyGenerated).toBe(true);
    expect(secrets.encryptionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(await modeOf(join(dataDir, "master-key"))).toBe(0o600);
    expect((await fromEnv()).masterKey).toBe(secrets.masterKey);
  });
});

describe("keys from the environment", () => {
  it("win over the files and are never written to disk", async () => {
    const secrets = await fromEnv("sya-from-env", "an-encryption-key-from-the-environment");
    expect(secrets).toEqual({
      masterKey: "sya-from-env",
      encryptionKey: "an-encryption-key-from-the-environment",
      masterKeyFile: null,
      masterKeyGenerated: false,
    });
    expect(await exists(dataDir)).toBe(false);
  });

  it("leave only the missing one to be generated", async () => {
    const secrets = await fromEnv("sya-from-env", undefined);
    expect(secrets.masterKey).toBe("sya-from-env");
    expect(secrets.masterKeyGenerated).toBe(false);
    expect(secrets.masterKeyFile).toBeNull();
    expect(await exists(join(dataDir, "master-key"))).toBe(false);
    expect(await exists(join(dataDir, "encryption-key"))).toBe(true);
  });

  it("take precedence over a key file generated earlier", async () => {
    const generated = await fromEnv();
    const secrets = await fromEnv(undefined, "an-encryption-key-from-the-environment");
    expect(secrets.masterKey).toBe(generated.masterKey);
    expect(secrets.encryptionKey).toBe("an-encryption-key-from-the-environment");
  });
});
