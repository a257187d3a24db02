/**
 * Development bootstrap (DESIGN.md, "Admin contract"): with no MASTER_KEY / ENCRYPTION_KEY outside
 * production, generate them once, keep them under the data folder with mode 0600, and report the
 * master key the first time so the developer can copy it. Production never generates a file:
 * loadConfig refuses to start without both variables.
 *
 * The hash key (SWITCHYARD_HASH_KEY, see keyring.ts) is generated only for a new data folder,
 * one whose encryption key this very start generated: an existing folder's stored hashes were
 * made under ENCRYPTION_KEY, so there it stays derived from ENCRYPTION_KEY (as in production when
 * the variable is absent).
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../config.ts";
import { mintToken, TOKEN_KINDS } from "./token-format.ts";

export interface DevSecrets {
  masterKey: string;
  encryptionKey: string;
  /** Where the master key lives, and whether this start generated it. */
  masterKeyFile: string | null;
  masterKeyGenerated: boolean;
  /** Undefined: the keyed hashes derive from the encryption key. */
  hashKey: string | undefined;
}

export async function resolveSecrets(options: {
  dataDir: string;
  masterKey: string | undefined;
  encryptionKey: string | undefined;
  hashKey?: string | undefined;
  previousEncryptionKeys?: readonly string[];
  /** Production: never write a key file (loadConfig already required the variables). */
  production?: boolean;
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

  const hashKey = options.hashKey ?? (await devHashKey(options, encryption));
  if ((options.previousEncryptionKeys?.length ?? 0) > 0 && hashKey === undefined) {
    // Hashes derived from ENCRYPTION_KEY change with it: every key and token would stop working.
    throw new ConfigError(
      "ENCRYPTION_KEY_PREVIOUS is set but SWITCHYARD_HASH_KEY is not: set SWITCHYARD_HASH_KEY to the previous ENCRYPTION_KEY first, or every virtual key and admin token stops authenticating",
    );
  }

  return {
    hashKey,
    masterKey: master.value,
    encryptionKey: encryption.value,
    masterKeyFile: options.masterKey ? null : join(options.dataDir, "master-key"),
    masterKeyGenerated: master.generated,
  };
}

/** The dev hash key: the data folder's file, created only along with a new encryption key. */
async function devHashKey(
  options: { dataDir: string; production?: boolean },
  encryption: { value: string; generated?: boolean },
): Promise<string | undefined> {
  if (options.production) return undefined;
  const path = join(options.dataDir, "hash-key");
  if (encryption.generated) return (await readOrCreate(path, randomKey)).value;
  try {
    return (await readFile(path, "utf8")).trim() || undefined;
  } catch (error) {
    if (isMissingFile(error)) return undefined;
    throw error;
  }
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
