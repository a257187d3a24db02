/**
 * Bearer secrets Switchyard issues: `<kind>-<30 base62 chars><6 base62 checksum chars>`.
 *
 * Like GitHub's token format, the kind prefix makes a leaked secret recognisable to scanners,
 * and the CRC-32 checksum lets a typo fail fast without touching a database.
 */
export type TokenKind = "sy" | "sya" | "syg";

export const TOKEN_KINDS = {
  virtualKey: "sy",
  adminToken: "sya",
  delegationGrant: "syg",
} as const satisfies Record<string, TokenKind>;

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LENGTH = 30; // ≈178 bits of entropy
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const PREFIX_BODY_CHARS = 8;

export interface MintedToken {
  /** The whole secret: shown once, never stored. */
  secret: string;
  /** A short, non-secret handle shown in listings, e.g. `sy-4kT9aQ2m`. */
  prefix: string;
}

export function mintToken(kind: TokenKind): MintedToken {
  const body = randomBase62(BODY_LENGTH);
  return {
    secret: `${kind}-${body}${checksumOf(body)}`,
    prefix: `${kind}-${body.slice(0, PREFIX_BODY_CHARS)}`,
  };
}

/** True when `secret` has the shape of a token of `kind` and its checksum matches. */
export function isWellFormedToken(secret: string, kind: TokenKind): boolean {
  const head = `${kind}-`;
  if (!secret.startsWith(head)) return false;
  const rest = secret.slice(head.length);
  if (rest.length !== BODY_LENGTH + CHECKSUM_LENGTH) return false;
  for (const char of rest) if (!ALPHABET.includes(char)) return false;
  const body = rest.slice(0, BODY_LENGTH);
  return rest.slice(BODY_LENGTH) === checksumOf(body);
}

export function displayPrefixOf(secret: string): string {
  const dash = secret.indexOf("-");
  return secret.slice(0, dash + 1 + PREFIX_BODY_CHARS);
}

function randomBase62(length: number): string {
  // Rejection sampling keeps every character uniform: bytes ≥ 248 (4 × 62) are discarded.
  let out = "";
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const byte of bytes) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function checksumOf(body: string): string {
  let value = crc32(new TextEncoder().encode(body));
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
