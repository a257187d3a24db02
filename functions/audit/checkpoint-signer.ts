/**
 * The Ed25519 key that signs audit checkpoints (checkpoint.ts). In production it comes from
 * SWITCHYARD_AUDIT_SIGNING_KEY (an Ed25519 private key in PKCS#8, as PEM or as base64 of the DER);
 * in development, as with the dev master key, one is generated once under the data folder
 * (`audit-signing-key.pem`, mode 0600). Production without the variable has no signer, and
 * `auditCheckpoint` says so rather than signing with a key nobody kept.
 *
 * node:crypto rather than WebCrypto: Ed25519 in Node 20's WebCrypto is still experimental, and
 * Bun and Deno implement node:crypto's Ed25519.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface CheckpointSigner {
  /** The public key as base64 of its SPKI DER: what a verifier pins. */
  publicKey: string;
  sign(text: string): string;
}

export function signerFromPrivateKey(text: string): CheckpointSigner {
  const trimmed = text.trim();
  const key: KeyObject = trimmed.includes("BEGIN")
    ? createPrivateKey(trimmed)
    : createPrivateKey({ key: Buffer.from(trimmed, "base64"), format: "der", type: "pkcs8" });
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error("SWITCHYARD_AUDIT_SIGNING_KEY must be an Ed25519 private key (PKCS#8)");
  }
  const publicKey = createPublicKey(key).export({ type: "spki", format: "der" }).toString("base64");
  return {
    publicKey,
    sign: (message) => sign(null, Buffer.from(message, "utf8"), key).toString("base64"),
  };
}

export type SignerResolution =
  | { ok: true; signer: CheckpointSigner }
  | { ok: false; reason: string };

/** The configured key, or in development the one kept under the data folder (made once). */
export async function resolveCheckpointSigner(options: {
  signingKey: string | undefined;
  production: boolean;
  dataDir: string;
}): Promise<SignerResolution> {
  if (options.signingKey) return { ok: true, signer: signerFromPrivateKey(options.signingKey) };
  if (options.production) {
    return {
      ok: false,
      reason: "SWITCHYARD_AUDIT_SIGNING_KEY is not set: checkpoints cannot be signed",
    };
  }
  const path = join(options.dataDir, "audit-signing-key.pem");
  try {
    return { ok: true, signer: signerFromPrivateKey(await readFile(path, "utf8")) };
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ENOENT")) throw error;
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const pem = generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  try {
    // "wx": another instance that got there first keeps its key.
    await writeFile(path, pem, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
  }
  return { ok: true, signer: signerFromPrivateKey(await readFile(path, "utf8")) };
}
