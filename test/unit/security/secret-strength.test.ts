/**
 * The production check on MASTER_KEY / ENCRYPTION_KEY refuses values a person typed as a
 * placeholder and never a key a generator made.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  estimatedBits,
  MIN_ESTIMATED_BITS,
  secretWeakness,
} from "../../../functions/security/secret-strength.ts";
import { mintToken, TOKEN_KINDS } from "../../../functions/security/token-format.ts";

const bitsOf = (text: string) => estimatedBits(Array.from(text, (c) => c.codePointAt(0) ?? 0));

describe("keys a generator made", () => {
  it("accepts every one of 5,000 random 32-character hex keys, the shortest accepted", () => {
    for (let i = 0; i < 5_000; i++) {
      const key = randomBytes(16).toString("hex");
      expect(secretWeakness(key), key).toBeNull();
    }
  });

  it("accepts base64 keys, uuids and admin tokens", () => {
    expect(secretWeakness(randomBytes(24).toString("base64"))).toBeNull();
    expect(secretWeakness(crypto.randomUUID())).toBeNull();
    expect(secretWeakness(mintToken(TOKEN_KINDS.adminToken).secret)).toBeNull();
  });
});

describe("placeholders", () => {
  it.each([
    ["a", "is too short"],
    ["x".repeat(32), "is one short pattern repeated"],
    ["ab".repeat(16), "is one short pattern repeated"],
    ["passwordpasswordpasswordpassword", "is one short pattern repeated"],
    ["Summer2024!Summer2024!Summer2024", "is one short pattern repeated"],
    ["abcdefghijklmnopqrstuvwxyz012345", "has too little variety"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh", "has too little variety"],
  ])("refuses %s", (value, reason) => {
    expect(secretWeakness(value)).toContain(reason);
  });

  it("counts characters, not UTF-16 units, towards the minimum length", () => {
    expect(secretWeakness("🔑".repeat(16))).toContain("is too short (16 characters");
  });
});

describe("the entropy estimate", () => {
  it("is zero for one character repeated and grows with variety", () => {
    expect(bitsOf("a".repeat(40))).toBe(0);
    expect(bitsOf("ab".repeat(20))).toBeCloseTo(39, 0);
    expect(bitsOf("ab".repeat(20))).toBeLessThan(bitsOf("aZ3q".repeat(10)));
  });

  it("sees through a run that uses many distinct characters", () => {
    const run = "abcdefghijklmnopqrstuvwxyz";
    expect(bitsOf(run)).toBeLessThan(MIN_ESTIMATED_BITS);
    expect(bitsOf(randomBytes(20).toString("base64"))).toBeGreaterThan(MIN_ESTIMATED_BITS);
  });
});
