/**
 * Is a configured secret (MASTER_KEY, ENCRYPTION_KEY) obviously not random? A small, deliberate
 * check for placeholders a person typed ("a", 32 times "x", "changeme" four times, "abcd…"), not
 * a password-strength meter: a memorable phrase of enough length passes, and the README says to
 * generate keys instead (`openssl rand -hex 32`).
 *
 * The rules, and why these numbers:
 * - At least 32 characters: hex, the smallest alphabet a generator uses, then carries 128 bits.
 * - Not one short block repeated ("passwordpassword…"): a random string essentially never has a
 *   period of half its length or less.
 * - An estimated entropy of at least 80 bits, where the estimate is the length times the
 *   empirical Shannon entropy per character, taken over the characters themselves (catches little
 *   variety: "aaaa…", "abab…") and over the steps between neighbouring characters (catches runs:
 *   "abcdef…", "0123…"), whichever is lower. Over 200,000 random 32-character hex strings the
 *   lowest estimate was about 92 bits, so no generated key of the minimum length is refused.
 */

export const MIN_SECRET_LENGTH = 32;
export const MIN_ESTIMATED_BITS = 80;

/** Why a secret is too weak, as the end of a sentence about it; null when it passes. */
export function secretWeakness(secret: string): string | null {
  const codePoints = Array.from(secret, (character) => character.codePointAt(0) ?? 0);
  if (codePoints.length < MIN_SECRET_LENGTH) {
    return `is too short (${plural(codePoints.length, "character")}; at least ${MIN_SECRET_LENGTH} are required)`;
  }
  if (shortestPeriod(codePoints) <= codePoints.length / 2) {
    return "is one short pattern repeated";
  }
  const bits = estimatedBits(codePoints);
  if (bits < MIN_ESTIMATED_BITS) {
    return `has too little variety (about ${Math.floor(bits)} bits of entropy estimated; at least ${MIN_ESTIMATED_BITS} are required)`;
  }
  return null;
}

/** Length × per-symbol Shannon entropy, of the characters and of their steps, whichever is lower. */
export function estimatedBits(codePoints: readonly number[]): number {
  const steps = codePoints.slice(1).map((point, i) => point - (codePoints[i] ?? 0));
  return Math.min(
    shannonBitsPerSymbol(codePoints) * codePoints.length,
    shannonBitsPerSymbol(steps) * steps.length,
  );
}

function shannonBitsPerSymbol(symbols: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const symbol of symbols) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / symbols.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** The smallest p such that every symbol equals the one p places before it. */
function shortestPeriod(symbols: readonly number[]): number {
  for (let period = 1; period < symbols.length; period++) {
    let repeats = true;
    for (let i = period; i < symbols.length && repeats; i++) {
      repeats = symbols[i] === symbols[i - period];
    }
    if (repeats) return period;
  }
  return symbols.length;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
