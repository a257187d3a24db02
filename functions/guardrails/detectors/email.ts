/**
 * Email addresses: the address syntax people actually use (RFC 5322's dot-atom form, with an
 * internationalised domain or local part), not the full RFC grammar with quoted strings and
 * comments, which no one types into a prompt. The domain needs a dot and a TLD of letters, so
 * `user@localhost`, `@mentions` and `npm i @scope/pkg@1.2.3` are not flagged.
 *
 * The pattern has no nested quantifiers: each label is a bounded run of one character class,
 * so matching is linear in the input.
 */
import type { Finding } from "./types.ts";

const LOCAL = String.raw`[\p{L}\p{N}!#$%&'*+/=?^_\x60{|}~-]{1,64}(?:\.[\p{L}\p{N}!#$%&'*+/=?^_\x60{|}~-]{1,64}){0,8}`;
const LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`;
const TLD = String.raw`\p{L}{2,24}`;
const EMAIL = new RegExp(
  String.raw`(?<![\p{L}\p{N}._%+-])${LOCAL}@(?:${LABEL}\.){1,8}${TLD}(?![\p{L}\p{N}-])`,
  "gu",
);

export function detectEmails(text: string): Finding[] {
  if (!text.includes("@")) return [];
  const findings: Finding[] = [];
  for (const match of text.matchAll(EMAIL)) {
    findings.push({
      detector: "EMAIL",
      start: match.index,
      end: match.index + match[0].length,
      signals: ["email"],
    });
  }
  return findings;
}
