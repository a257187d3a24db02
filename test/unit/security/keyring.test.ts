/**
 * The keyring turns ENCRYPTION_KEY into a pepper for bearer-secret hashes and a key for provider
 * credentials at rest: the same key must give the same hashes after a restart, another key must
 * give neither the hashes nor the plaintexts.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  createKeyring,
  DecryptionError,
  type Keyring,
} from "../../../functions/security/keyring.ts";

const ENCRYPTION_KEY = "0123456789abcdef0123456789abcdef-first";
const OTHER_ENCRYPTION_KEY = "0123456789abcdef0123456789abcdef-other";
const SECRET = "sy-4kT9aQ2mExampleSecretBody00000abcdef";

let keyring: Keyring;
let otherKeyring: Keyring;

beforeAll(async () => {
  keyring = await createKeyring(ENCRYPTION_KEY);
  otherKeyring = await createKeyring(OTHER_ENCRYPTION_KEY);
});

/** Changes one base64url character of the segment at `segment` (0 = version, 1 = iv, 2 = data). */
function tamper(ciphertext: string, segment: number): string {
  const parts = ciphertext.split(".");
  const part = parts[segment] ?? "";
  parts[segment] = `${part[0] === "A" ? "B" : "A"}${part.slice(1)}`;
  return parts.join(".");
}

describe("createKeyring", () => {
  it("refuses an ENCRYPTION_KEY shorter than 32 characters", async () => {
    await expect(createKeyring("too-short")).rejects.toThrow(/at least 32 characters/);
    await expect(createKeyring("x".repeat(32))).resolves.toBeDefined();
  });
});

describe("hashSecret", () => {
  it("is deterministic for one ENCRYPTION_KEY, across restarts", async () => {
    const restarted = await createKeyring(ENCRYPTION_KEY);
    const hash = await keyring.hashSecret(SECRET);
    expect(await keyring.hashSecret(SECRET)).toBe(hash);
    expect(await restarted.hashSecret(SECRET)).toBe(hash);
  });

  it("differs under another ENCRYPTION_KEY", async () => {
    expect(await otherKeyring.hashSecret(SECRET)).not.toBe(await keyring.hashSecret(SECRET));
  });

  it("differs for different secrets", async () => {
    expect(await keyring.hashSecret(`${SECRET}x`)).not.toBe(await keyring.hashSecret(SECRET));
  });

  it("is a keyed 256-bit hex digest, not a plain hash anyone could recompute", async () => {
    const hash = await keyring.hashSecret(SECRET);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(createHash("sha256").update(SECRET).digest("hex"));
    expect(hash).not.toContain(SECRET);
  });

  it("gives the bytes WebCrypto's HMAC gives under the same HKDF pepper (Node's createHmac path)", async () => {
    // The portable path, computed here independently: stored hashes must match across runtimes.
    const encoder = new TextEncoder();
    const root = await crypto.subtle.importKey(
      "raw",
      encoder.encode(ENCRYPTION_KEY),
      "HKDF",
      false,
      ["deriveKey"],
    );
    const pepper = await crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: encoder.encode("switchyard"),
        info: encoder.encode("secret-hash/v1"),
      },
      root,
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign"],
    );
    for (const secret of [SECRET, "", "clé secrète 🔑", "x".repeat(1000)]) {
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", pepper, encoder.encode(secret)));
      const expected = Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
      expect(await keyring.hashSecret(secret)).toBe(expected);
    }
  });
});

describe("secretMatches", () => {
  it("accepts the secret a hash was made from and nothing else", async () => {
    const stored = await keyring.hashSecret(SECRET);
    expect(await keyring.secretMatches(SECRET, stored)).toBe(true);
    expect(await keyring.secretMatches(`${SECRET}x`, stored)).toBe(false);
    expect(await otherKeyring.secretMatches(SECRET, stored)).toBe(false);
  });
});

describe("encrypt and decrypt", () => {
  it.each([
    ["an API key", "sk-proj-abc123"],
    ["an empty string", ""],
    ["non-ASCII text", "clé secrète 🔑"],
    ["a long value", "x".repeat(10_000)],
  ])("round-trips %s", async (_label, plaintext) => {
    expect(await keyring.decrypt(await keyring.encrypt(plaintext))).toBe(plaintext);
  });

  it("does not reveal the plaintext, and encrypts the same value differently each time", async () => {
    const first = await keyring.encrypt("sk-proj-abc123");
    const second = await keyring.encrypt("sk-proj-abc123");
    expect(first).toMatch(/^v2\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(first).not.toContain("sk-proj");
    expect(first).not.toBe(second);
  });

  it("decrypts with a keyring rebuilt from the same ENCRYPTION_KEY", async () => {
    const ciphertext = await keyring.encrypt("sk-proj-abc123");
    const restarted = await createKeyring(ENCRYPTION_KEY);
    expect(await restarted.decrypt(ciphertext)).toBe("sk-proj-abc123");
  });

  it("fails under another ENCRYPTION_KEY", async () => {
    const ciphertext = await keyring.encrypt("sk-proj-abc123");
    await expect(otherKeyring.decrypt(ciphertext)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("fails when the sealed data or the IV was tampered with", async () => {
    const ciphertext = await keyring.encrypt("sk-proj-abc123");
    await expect(keyring.decrypt(tamper(ciphertext, 2))).rejects.toBeInstanceOf(DecryptionError);
    await expect(keyring.decrypt(tamper(ciphertext, 1))).rejects.toBeInstanceOf(DecryptionError);
  });

  it("fails when the ciphertext was truncated", async () => {
    const ciphertext = await keyring.encrypt("sk-proj-abc123");
    await expect(keyring.decrypt(ciphertext.slice(0, -4))).rejects.toBeInstanceOf(DecryptionError);
  });

  it.each([
    ["an unknown version", "v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"],
    ["a missing part", "v1.AAAAAAAAAAAAAAAA"],
    ["plaintext stored by mistake", "sk-proj-abc123"],
    ["invalid base64", "v1.!!!!.????"],
  ])("fails on %s with a DecryptionError", async (_label, ciphertext) => {
    await expect(keyring.decrypt(ciphertext)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("says why without echoing the ciphertext", async () => {
    const ciphertext = await keyring.encrypt("sk-proj-abc123");
    const error = await otherKeyring.decrypt(ciphertext).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DecryptionError);
    expect((error as Error).message).toMatch(/ENCRYPTION_KEY/);
    expect((error as Error).message).not.toContain(ciphertext);
  });
});

describe("constantTimeEqual", () => {
  it("is true for equal strings", () => {
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("clé 🔑", "clé 🔑")).toBe(true);
  });

  it("is false when one character differs, wherever it is", () => {
    expect(constantTimeEqual("abc", "xbc")).toBe(false);
    expect(constantTimeEqual("abc", "axc")).toBe(false);
    expect(constantTimeEqual("abc", "abx")).toBe(false);
  });

  it("is false when one string is a prefix of the other", () => {
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
    expect(constantTimeEqual("", "a")).toBe(false);
    expect(constantTimeEqual("a", "a\u0000")).toBe(false);
  });

  describe("key ids and rotation", () => {
    it("stores the id of the sealing key, a fingerprint that differs per key", async () => {
      const ciphertext = await keyring.encrypt("sk-proj-abc123");
      expect(ciphertext.split(".")[1]).toBe(keyring.keyId);
      expect(keyring.keyId).not.toBe(otherKeyring.keyId);
      expect(keyring.keyId).not.toContain(ENCRYPTION_KEY.slice(0, 8));
    });

    it("opens what the previous key sealed, seals under the new one, and says what to reseal", async () => {
      const sealedBefore = await keyring.encrypt("sk-old");
      const rotated = await createKeyring(OTHER_ENCRYPTION_KEY, { previousKeys: [ENCRYPTION_KEY] });
      expect(await rotated.decrypt(sealedBefore)).toBe("sk-old");
      expect(rotated.needsReseal(sealedBefore)).toBe(true);
      const sealedAfter = await rotated.encrypt("sk-new");
      expect(rotated.needsReseal(sealedAfter)).toBe(false);
      expect(await otherKeyring.decrypt(sealedAfter)).toBe("sk-new");
      await expect(keyring.decrypt(sealedAfter)).rejects.toBeInstanceOf(DecryptionError);
    });

    it("refuses a ciphertext relabelled with another key id", async () => {
      const rotated = await createKeyring(OTHER_ENCRYPTION_KEY, { previousKeys: [ENCRYPTION_KEY] });
      const parts = (await keyring.encrypt("sk-proj-abc123")).split(".");
      parts[1] = rotated.keyId;
      await expect(rotated.decrypt(parts.join("."))).rejects.toBeInstanceOf(DecryptionError);
    });

    it("still opens a v1 ciphertext written before key ids", async () => {
      const encoder = new TextEncoder();
      const root = await crypto.subtle.importKey(
        "raw",
        encoder.encode(ENCRYPTION_KEY),
        "HKDF",
        false,
        ["deriveKey"],
      );
      const key = await crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: encoder.encode("switchyard"),
          info: encoder.encode("provider-credentials/v1"),
        },
        root,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt"],
      );
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode("sk-legacy")),
      );
      const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
      const legacy = `v1.${b64(iv)}.${b64(sealed)}`;
      expect(await keyring.decrypt(legacy)).toBe("sk-legacy");
      expect(keyring.needsReseal(legacy)).toBe(true);
    });
  });
});
