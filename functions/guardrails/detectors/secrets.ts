/**
 * Credentials: provider API keys by their published formats, private-key PEM blocks, JWTs, and
 * other high-entropy tokens. Known formats come first and name the kind; the entropy rule only
 * flags what none of them claimed.
 *
 * Entropy rule: a run of 24–128 token characters with upper case, lower case and digits and at
 * least 4.2 bits of Shannon entropy per character. Hex digests (git SHAs, SHA-256, UUIDs) have
 * at most 4 bits per character and are not flagged; English words never reach 4.2 at that
 * length; longer runs are data (base64 images), not keys.
 */
import { Buffer } from "node:buffer";
import { shannonEntropy } from "./entropy.ts";
import type { Finding } from "./types.ts";

interface KeyFormat {
  signal: string;
  pattern: RegExp;
}

const KEY_FORMATS: readonly KeyFormat[] = [
  { signal: "anthropic_key", pattern: /\bsk-ant-[a-z]{3,8}\d{2}-[A-Za-z0-9_-]{32,}/g },
  {
    signal: "openai_key",
    pattern: /\bsk-(?!ant-)(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,}(?![\w-])/g,
  },
  { signal: "aws_access_key_id", pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  { signal: "github_token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
  { signal: "github_token", pattern: /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/g },
  { signal: "google_api_key", pattern: /\bAIza[0-9A-Za-z_-]{35}(?![\w-])/g },
  { signal: "stripe_key", pattern: /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,247}\b/g },
  { signal: "slack_token", pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,250}\b/g },
];

const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
const TOKEN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,128}={0,2}(?![A-Za-z0-9+/_=-])/g;
const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/g;
/** An unterminated block is flagged up to this far: a pasted key cut short is still a key. */
const PEM_MAX_CHARS = 16_384;
const MIN_ENTROPY_BITS = 4.2;
const MIN_CASE_SWITCH_RATE = 0.3;

export function detectSecrets(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const format of KEY_FORMATS) {
    for (const match of text.matchAll(format.pattern)) {
      findings.push(secretAt(match.index, match.index + match[0].length, format.signal));
    }
  }
  findings.push(...privateKeyBlocks(text));
  for (const match of text.matchAll(JWT)) {
    if (isJwtHeader(match[0])) {
      findings.push(secretAt(match.index, match.index + match[0].length, "jwt"));
    }
  }
  // Known formats, in order; tokens come in order too, so one pointer walks both (linear, not
  // one scan of every finding per token).
  const known = findings.sort((a, b) => a.start - b.start);
  const tokens: Finding[] = [];
  let next = 0;
  let knownEnd = -1;
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    const end = start + match[0].length;
    while (next < known.length && (known[next]?.start ?? 0) < end) {
      knownEnd = Math.max(knownEnd, known[next]?.end ?? 0);
      next++;
    }
    if (knownEnd > start) continue;
    if (looksRandom(match[0])) tokens.push(secretAt(start, end, "high_entropy_token"));
  }
  return [...known, ...tokens].sort((a, b) => a.start - b.start);
}

export function looksRandom(token: string): boolean {
  const body = token.replace(/=+$/, "");
  if (!/[a-z]/.test(body) || !/[A-Z]/.test(body) || !/\d/.test(body)) return false;
  if (caseSwitchRate(body) < MIN_CASE_SWITCH_RATE) return false;
  return shannonEntropy(body) >= MIN_ENTROPY_BITS;
}

/**
 * How often neighbouring letters change case. Random base62 switches about half the time;
 * identifiers in code (camelCase, PascalCase) switch once a word, well under a quarter.
 */
function caseSwitchRate(token: string): number {
  let pairs = 0;
  let switches = 0;
  for (let i = 1; i < token.length; i++) {
    const a = token[i - 1] ?? "";
    const b = token[i] ?? "";
    if (!/[A-Za-z]/.test(a) || !/[A-Za-z]/.test(b)) continue;
    pairs++;
    if ((a === a.toUpperCase()) !== (b === b.toUpperCase())) switches++;
  }
  return pairs === 0 ? 0 : switches / pairs;
}

function privateKeyBlocks(text: string): Finding[] {
  if (!text.includes("PRIVATE KEY")) return [];
  const blocks: Finding[] = [];
  let from = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let begin = PEM_BEGIN.exec(text); begin; begin = PEM_BEGIN.exec(text)) {
    if (begin.index < from) continue;
    const endMarker = `-----END ${begin[1] ?? ""}PRIVATE KEY${begin[2] ?? ""}-----`;
    // Looked for within the bound only: a text of many unterminated headers stays linear.
    const windowEnd = Math.min(text.length, begin.index + PEM_MAX_CHARS);
    const endAt = text.slice(begin.index, windowEnd).indexOf(endMarker);
    const end = endAt >= 0 ? begin.index + endAt + endMarker.length : windowEnd;
    blocks.push(secretAt(begin.index, end, "private_key"));
    from = end;
    PEM_BEGIN.lastIndex = end;
  }
  return blocks;
}

/** A JWT's first segment is base64url JSON naming an algorithm (RFC 7519 §5, RFC 7515 §4.1.1). */
function isJwtHeader(token: string): boolean {
  const [header = ""] = token.split(".");
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    return typeof decoded === "object" && decoded !== null && "alg" in decoded;
  } catch {
    return false;
  }
}

function secretAt(start: number, end: number, signal: string): Finding {
  return { detector: "SECRET", start, end, signals: [signal] };
}
