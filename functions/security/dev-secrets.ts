/**
 * Development bootstrap (DESIGN.md, "Admin contract"): with no MASTER_KEY / ENCRYPTION_KEY outside
 * production, generate them once, keep them under the data folder with mode 0600, and report the
 * master key the first time so the developer can copy it. Production never reaches this file:
 * loadConfig refuses to start without both variables.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mintToken, TOKEN_KINDS } from "./token-format.ts";

export interface DevSecrets {
  masterKey: string;
  encryptionKey: string;
  /** Where the master key lives, and whether this start generated it. */
  masterKeyFile: string | null;
  masterKeyGenerated: boolean;
}

export async function resolveSecrets(options: {
  dataDir: string;
  masterKey: string | undefined;
  encryptionKey: string | undefined;
}): Promise<DevSecrets> {
  const needsFiles = !options.masterKey || !options.encryptionKey;
  if (needsFiles) await mkdir(options.dataDir, { recursive: true, mode: 0o700 });

  const master = options.masterKey
    ? { value: options.masterKey, generated: false }
    : await readOrCreate(
        join(options.dataDir, "master-key"),
        () => mintToken(TOKEN_KINDS.adminToken).secret,
      );
  const encryption = options.encryptionKey
    ? { value: options.encryptionKey }
    : await readOrCreate(join(options.dataDir, "encryption-key"), randomKey);

  return {
    masterKey: master.value,
    encryptionKey: encryption.value,
    masterKeyFile: options.masterKey ? null : join(options.dataDir, "master-key"),
    masterKeyGenerated: master.generated,
  };
}

async function readOrCreate(
  path: string,
  create: () => string,
): Promise<{ value: string; generated: boolean }> {
  try {
    const existing = (await readFile(path, "utf8")).trim();
    if (existing) return { value: existing, generated: false };
    // Empty: a start was interrupted between creating and writing the file. Without removing it,
    // "wx" below would fail and the empty string would become the key.
    await rm(path, { force: true });
  } catch (error) {
    if (!isMissingFile(error)) throw error;
  }
  const value = create();
  try {
    // "wx": if another instance created it meanwhile, keep theirs rather than overwrite.
    await writeFile(path, `${value}\n`, { mode: 0o600, flag: "wx" });
    return { value, generated: true };
  } catch (error) {
    if (!isFileExists(error)) throw error;
    return { value: (await readFile(path, "utf8")).trim(), generated: false };
  }
}

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function isMissingFile(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

function isFileExists(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "EEXIST";
}
