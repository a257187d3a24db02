/**
 * The server's secrets, derived from ENCRYPTION_KEY with HKDF (RFC 5869) into two independent keys:
 * an HMAC-SHA-256 pepper for hashing bearer secrets (virtual keys, admin tokens, grant tokens),
 * and an AES-256-GCM key for provider credentials at rest. A database dump alone therefore
 * yields neither usable secrets nor a way to brute-force their hashes.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CIPHERTEXT_VERSION = "v1";

export interface Keyring {
  /** Keyed hash of a bearer secret, hex. Equal secrets give equal hashes, so it is the lookup key. */
  hashSecret(secret: string): Promise<string>;
  /** Constant-time check of a presented secret against a stored keyed hash. */
  secretMatches(secret: string, storedHash: string): Promise<boolean>;
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}

export class DecryptionError extends Error {
  override name = "DecryptionError";
}

export async function createKeyring(encryptionKey: string): Promise<Keyring> {
  if (encryptionKey.length < 32) {
    throw new Error("ENCRYPTION_KEY must be at least 32 characters");
  }
  const root = await crypto.subtle.importKey("raw", encoder.encode(encryptionKey), "HKDF", false, [
    "deriveKey",
  ]);
  const hkdf = (info: string) => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: encoder.encode("switchyard"),
    info: encoder.encode(info),
  });
  const pepper = await crypto.subtle.deriveKey(
    hkdf("secret-hash/v1"),
    root,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  const dataKey = await crypto.subtle.deriveKey(
    hkdf("provider-credentials/v1"),
    root,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );

  async function hashSecret(secret: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", pepper, encoder.encode(secret));
    return toHex(new Uint8Array(mac));
  }

  return {
    hashSecret,
    async secretMatches(secret, storedHash) {
      return constantTimeEqual(await hashSecret(secret), storedHash);
    },
    async encrypt(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        dataKey,
        encoder.encode(plaintext),
      );
      return `${CIPHERTEXT_VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
    },
    async decrypt(ciphertext) {
      const [version, iv, sealed] = ciphertext.split(".");
      if (version !== CIPHERTEXT_VERSION || !iv || !sealed) {
        throw new DecryptionError("unrecognised ciphertext format");
      }
      try {
        const opened = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: fromBase64Url(iv) },
          dataKey,
          fromBase64Url(sealed),
        );
        return decoder.decode(opened);
      } catch {
        throw new DecryptionError("ciphertext does not open with this ENCRYPTION_KEY");
      }
    },
  };
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
