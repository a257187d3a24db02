import { describe, expect, it } from "vitest";
import { shannonEntropy } from "../../../functions/guardrails/detectors/entropy.ts";
import { detectSecrets } from "../../../functions/guardrails/detectors/secrets.ts";

const jwt =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const pem =
  "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";

describe("secrets detector", () => {
  it.each([
    ["openai_key", "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"],
    ["openai_key", "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6h"],
    ["anthropic_key", `sk-ant-api03-${"aB3_dE6-hI9kLm2n".repeat(6)}`],
    ["aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"],
    ["github_token", `ghp_${"a1B2c3D4e5".repeat(3)}a1B2c3`],
    ["google_api_key", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
    ["stripe_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    ["jwt", jwt],
    ["private_key", pem],
    ["high_entropy_token", "token=Zk3q9XwP7vLr2Tb8Nc5Hy1Md4Gs6"],
  ])("names a %s", (signal, secret) => {
    const text = `here: ${secret} ok`;
    const findings = detectSecrets(text);
    expect(findings.map((finding) => finding.signals[0])).toEqual([signal]);
  });

  it.each([
    ["a git commit SHA", "fix landed in 9fceb02d0ae598e95dc970b74767f19372d61af8"],
    ["a UUID", "id 123e4567-e89b-12d3-a456-426614174000"],
    ["a sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["a long identifier", "useGuardrailPolicyResolverForOrganisation2"],
    ["the word sk- in prose", "the sk-ll of it"],
    [
      "a JWT-looking string that is not JSON",
      "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT",
    ],
    [
      "a public key",
      "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
    ],
  ])("does not flag %s", (_why, text) => {
    expect(detectSecrets(text)).toEqual([]);
  });

  it("flags an unterminated private key block to a bounded length", () => {
    const text = `-----BEGIN PRIVATE KEY-----\n${"A".repeat(40_000)}`;
    const [finding] = detectSecrets(text);
    expect(finding?.signals).toEqual(["private_key"]);
    expect(finding?.end).toBe(16_384);
  });

  it("measures entropy in bits per character", () => {
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
  });
});
