/**
 * Model allow-lists as sets: an entry is an exact name (`mock/echo`, an alias), a provider
 * wildcard (`openai/*`) or `*`; null means no list (everything). Prefix patterns are either
 * nested or disjoint, which is what makes subset and intersection exact with plain lists.
 */

/** True when every model `entry` names is also named by `allowed`. */
export function patternCovered(entry: string, allowed: readonly string[] | null): boolean {
  if (allowed === null) return true;
  return allowed.some((pattern) => {
    if (pattern === "*" || pattern === entry) return true;
    if (!pattern.endsWith("/*")) return false;
    // `openai/*` covers `openai/gpt-4o` and `openai/*`, never `*`.
    return entry !== "*" && entry.startsWith(pattern.slice(0, -1));
  });
}

export function patternsSubset(
  requested: readonly string[] | null,
  allowed: readonly string[] | null,
): boolean {
  if (allowed === null) return true;
  if (requested === null) return false;
  return requested.every((entry) => patternCovered(entry, allowed));
}

/** The models both lists allow, as one list (null only when both are null). */
export function intersectPatterns(
  a: readonly string[] | null,
  b: readonly string[] | null,
): string[] | null {
  if (a === null) return b === null ? null : [...b];
  if (b === null) return [...a];
  const both = [
    ...a.filter((entry) => patternCovered(entry, b)),
    ...b.filter((entry) => patternCovered(entry, a)),
  ];
  return [...new Set(both)];
}

/** The models any of the lists allow (a key with no list allows everything). */
export function unionPatterns(lists: ReadonlyArray<readonly string[] | null>): string[] | null {
  if (lists.some((list) => list === null)) return null;
  return [...new Set(lists.flatMap((list) => list ?? []))];
}
