/**
 * The server's secrets, derived from ENCRYPTION_KEY with HKDF (RFC 5869) into two independent keys:
 * an HMAC-SHA-256 pepper for hashing bearer secrets (virtual keys, admin tokens, grant tokens),
 * and an AES-256-GCM key for provider credentials at rest. A database dump alone therefore
 * yields neither usable secrets nor a way to brute-force their hashes.
 *
 * Ciphertexts name the key that sealed them: `v2.<key id>.<iv>.<sealed>`, where the key id is a
 * one-way fingerprint of the data key (HKDF info "key-id/v1"; it reveals nothing of the key) and
 * `v2.<key id>` is bound in as GCM additional data, so a ciphertext cannot be relabelled. To
 * rotate ENCRYPTION_KEY, start with the new key and the old one among `previousKeys`: rows sealed
 * under either open, new rows are sealed under the new key, and `needsReseal` finds the old ones.
 * (`v1.<iv>.<sealed>`, written before key ids, opens under any key of the ring.)
 *
 * Secret hashes cannot be rotated (the secrets are not stored), so the pepper must outlive any
 * ENCRYPTION_KEY: it is derived from `hashKey` (SWITCHYARD_HASH_KEY) when given, else from
 * ENCRYPTION_KEY. Both derive the same way (HKDF info "secret-hash/v1"), so setting
 * SWITCHYARD_HASH_KEY to the value ENCRYPTION_KEY had keeps every stored hash valid while
 * ENCRYPTION_KEY changes.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CIPHERTEXT_VERSION = "v2";
const LEGACY_VERSION = "v1";

export interface Keyring {
  /** Keyed hash of a bearer secret, hex. Equal secrets give equal hashes, so it is the lookup key. */
  hashSecret(secret: string): Promise<string>;
  /** Constant-time check of a presented secret against a stored keyed hash. */
  secretMatches(secret: string, storedHash: string): Promise<boolean>;
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
  /** Fingerprint of the key new ciphertexts are sealed under (stored in each ciphertext). */
  keyId: string;
  /** Whether a stored ciphertext was sealed under another key than the current one. */
  needsReseal(ciphertext: string): boolean;
}

export class DecryptionError extends Error {
  override name = "DecryptionError";
}

interface DataKey {
  id: string;
  key: CryptoKey;
}

const hkdf = (info: string) => ({
  name: "HKDF",
  hash: "SHA-256",
  salt: encoder.encode("switchyard"),
  info: encoder.encode(info),
});

async function rootKeyOf(encryptionKey: string): Promise<CryptoKey> {
  if (encryptionKey.length < 32) {
    throw new Error("ENCRYPTION_KEY (and every key of the ring) must be at least 32 characters");
  }
  return crypto.subtle.importKey("raw", encoder.encode(encryptionKey), "HKDF", false, [
    "deriveKey",
    "deriveBits",
  ]);
}

async function dataKeyOf(root: CryptoKey): Promise<DataKey> {
  const key = await crypto.subtle.deriveKey(
    hkdf("provider-credentials/v1"),
    root,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  const fingerprint = await crypto.subtle.deriveBits(hkdf("key-id/v1"), root, 64);
  return { id: toHex(new Uint8Array(fingerprint)), key };
}

export async function createKeyring(
  encryptionKey: string,
  options: { previousKeys?: readonly string[]; hashKey?: string | undefined } = {},
): Promise<Keyring> {
  const root = await rootKeyOf(encryptionKey);
  const hashRoot = options.hashKey ? await rootKeyOf(options.hashKey) : root;
  const current = await dataKeyOf(root);
  const ring = [current];
  for (const previous of options.previousKeys ?? []) {
    ring.push(await dataKeyOf(await rootKeyOf(previous)));
  }
  const hashSecret = await secretHasher(hashRoot);

  return {
    hashSecret,
    async secretMatches(secret, storedHash) {
      return constantTimeEqual(await hashSecret(secret), storedHash);
    },
    keyId: current.id,
    async encrypt(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const label = `${CIPHERTEXT_VERSION}.${current.id}`;
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(label) },
        current.key,
        encoder.encode(plaintext),
      );
      return `${label}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
    },
    async decrypt(ciphertext) {
      const parts = ciphertext.split(".");
      if (parts[0] === LEGACY_VERSION && parts.length === 3) {
        const [, iv, sealed] = parts as [string, string, string];
        for (const candidate of ring) {
          const opened = await open(candidate.key, iv, sealed);
          if (opened !== null) return opened;
        }
        throw new DecryptionError("ciphertext does not open with this ENCRYPTION_KEY");
      }
      const [version, keyId, iv, sealed] = parts;
      if (version !== CIPHERTEXT_VERSION || !keyId || !iv || !sealed || parts.length !== 4) {
        throw new DecryptionError("unrecognised ciphertext format");
      }
      const sealer = ring.find((candidate) => candidate.id === keyId);
      if (!sealer) {
        throw new DecryptionError(
          "ciphertext was sealed under a key that is neither ENCRYPTION_KEY nor a previous one",
        );
      }
      const opened = await open(sealer.key, iv, sealed, `${version}.${keyId}`);
      if (opened === null) {
        throw new DecryptionError("ciphertext does not open with this ENCRYPTION_KEY");
      }
      return opened;
    },
    needsReseal(ciphertext) {
      return !ciphertext.startsWith(`${CIPHERTEXT_VERSION}.${current.id}.`);
    },
  };
}

/**
 * The keyed hash of bearer secrets: HMAC-SHA-256 under a 256-bit pepper derived from the root.
 * Where `node:crypto` exists (Node, Bun, Deno, Vercel's Node runtime) it is computed
 * synchronously with createHmac: a profile under load put 5-7% of a request's CPU in WebCrypto's
 * sign, mostly its job and promise machinery for a 40-byte input. Elsewhere WebCrypto signs with
 * a non-extractable key. Both give the same bytes: the pepper is the same HKDF output (deriveKey
 * of a 256-bit HMAC key is deriveBits of 256 bits).
 */
async function secretHasher(hashRoot: CryptoKey): Promise<(secret: string) => Promise<string>> {
  const nodeCrypto = await import("node:crypto").catch(() => null);
  if (nodeCrypto?.createHmac) {
    const bits = new Uint8Array(
      await crypto.subtle.deriveBits(hkdf("secret-hash/v1"), hashRoot, 256),
    );
    // A KeyObject keeps the pepper out of the JS heap once the derived bytes are wiped.
    const pepper = nodeCrypto.createSecretKey(bits);
    bits.fill(0);
    const { createHmac } = nodeCrypto;
    return (secret) => Promise.resolve(createHmac("sha256", pepper).update(secret).digest("hex"));
  }
  const pepper = await crypto.subtle.deriveKey(
    hkdf("secret-hash/v1"),
    hashRoot,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  return async (secret) => {
    const mac = await crypto.subtle.sign("HMAC", pepper, encoder.encode(secret));
    return toHex(new Uint8Array(mac));
  };
}

/** Opens one AES-GCM ciphertext; null when it does not open under this key (or is malformed). */
async function open(
  key: CryptoKey,
  iv: string,
  sealed: string,
  label?: string,
): Promise<string | null> {
  try {
    const opened = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: fromBase64Url(iv),
        ...(label ? { additionalData: encoder.encode(label) } : {}),
      },
      key,
      fromBase64Url(sealed),
    );
    return decoder.decode(opened);
  } catch {
    return null;
  }
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
