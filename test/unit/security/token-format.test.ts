/**
 * Bearer secrets carry their kind in a prefix and a CRC-32 checksum, so a scanner recognises a
 * leaked one and a mistyped one fails before any database lookup.
 */
import { describe, expect, it } from "vitest";
import {
  crc32,
  displayPrefixOf,
  isWellFormedToken,
  mintToken,
  TOKEN_KINDS,
  type TokenKind,
} from "../../../functions/security/token-format.ts";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KINDS: TokenKind[] = ["sy", "sya", "syg"];

function replaceAt(text: string, index: number, char: string): string {
  return `${text.slice(0, index)}${char}${text.slice(index + 1)}`;
}

describe("mintToken", () => {
  it("names each kind of secret by its prefix", () => {
    expect(TOKEN_KINDS).toEqual({ virtualKey: "sy", adminToken: "sya", delegationGrant: "syg" });
    for (const kind of KINDS) {
      expect(mintToken(kind).secret).toMatch(new RegExp(`^${kind}-[0-9A-Za-z]{36}$`));
    }
  });

  it("mints secrets its own check accepts", () => {
    for (const kind of KINDS) {
      for (let i = 0; i < 50; i++)
        expect(isWellFormedToken(mintToken(kind).secret, kind)).toBe(true);
    }
  });

  it("never mints the same secret twice", () => {
    const secrets = new Set(Array.from({ length: 2_000 }, () => mintToken("sy").secret));
    expect(secrets.size).toBe(2_000);
  });

  it("gives a short display prefix that is the start of the secret and not the secret", () => {
    const { secret, prefix } = mintToken("sy");
    expect(prefix).toMatch(/^sy-[0-9A-Za-z]{8}$/);
    expect(secret.startsWith(prefix)).toBe(true);
    expect(displayPrefixOf(secret)).toBe(prefix);
    expect(displayPrefixOf(mintToken("syg").secret)).toMatch(/^syg-[0-9A-Za-z]{8}$/);
  });
});

describe("isWellFormedToken", () => {
  it("catches every single-character typo after the prefix", () => {
    const { secret } = mintToken("sy");
    let typos = 0;
    for (let index = "sy-".length; index < secret.length; index++) {
      for (const char of ALPHABET) {
        if (char === secret[index]) continue;
        expect(isWellFormedToken(replaceAt(secret, index, char), "sy"), `${index}:${char}`).toBe(
          false,
        );
        typos++;
      }
    }
    expect(typos).toBe(36 * 61);
  });

  it("catches two swapped neighbouring characters", () => {
    const { secret } = mintToken("sya");
    for (let index = "sya-".length; index < secret.length - 1; index++) {
      const [left, right] = [secret[index], secret[index + 1]];
      if (left === right || left === undefined || right === undefined) continue;
      const swapped = `${secret.slice(0, index)}${right}${left}${secret.slice(index + 2)}`;
      expect(isWellFormedToken(swapped, "sya"), `swap at ${index}`).toBe(false);
    }
  });

  it("rejects a truncated or extended secret", () => {
    const { secret } = mintToken("sy");
    for (let length = 0; length < secret.length; length++) {
      expect(isWellFormedToken(secret.slice(0, length), "sy")).toBe(false);
    }
    expect(isWellFormedToken(`${secret}0`, "sy")).toBe(false);
    expect(isWellFormedToken(`${secret}\n`, "sy")).toBe(false);
  });

  it("rejects a well-formed secret of another kind", () => {
    for (const minted of KINDS) {
      const { secret } = mintToken(minted);
      for (const expected of KINDS) {
        expect(isWellFormedToken(secret, expected), `${minted} as ${expected}`).toBe(
          minted === expected,
        );
      }
    }
  });

  it("rejects a valid body under a changed prefix", () => {
    const body = mintToken("sy").secret.slice("sy-".length);
    expect(isWellFormedToken(`sy-${body}`, "sy")).toBe(true);
    expect(isWellFormedToken(`SY-${body}`, "sy")).toBe(false);
    expect(isWellFormedToken(`sy_${body}`, "sy")).toBe(false);
    expect(isWellFormedToken(`xsy-${body}`, "sy")).toBe(false);
    expect(isWellFormedToken(body, "sy")).toBe(false);
  });

  it("rejects characters outside base62 even at the right length", () => {
    const { secret } = mintToken("sy");
    expect(isWellFormedToken(replaceAt(secret, 5, "-"), "sy")).toBe(false);
    expect(isWellFormedToken(replaceAt(secret, 5, "é"), "sy")).toBe(false);
  });

  it("rejects strings that are not tokens at all", () => {
    for (const text of ["", "sy-", "Bearer", "sk-proj-abcdef", "sy-".padEnd(39, "0")]) {
      expect(isWellFormedToken(text, "sy"), JSON.stringify(text)).toBe(false);
    }
  });
});

describe("crc32", () => {
  it("computes CRC-32 as zlib does (the standard check value)", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });
});
