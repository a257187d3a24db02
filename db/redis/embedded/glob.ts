/**
 * Redis glob patterns (KEYS, SCAN MATCH): `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\x` escapes,
 * as util.c stringmatchlen() reads them, compiled to an anchored RegExp.
 */
const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 256;

export function globMatcher(pattern: string): (text: string) => boolean {
  let regex = cache.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${translate(pattern)}$`, "su");
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, regex);
  }
  const compiled = regex;
  return (text) => compiled.test(text);
}

function translate(pattern: string): string {
  let out = "";
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? "";
    if (char === "*") out += ".*";
    else if (char === "?") out += ".";
    else if (char === "\\" && i + 1 < chars.length) out += escapeLiteral(chars[++i] ?? "");
    else if (char === "[") {
      const end = classEnd(chars, i);
      // An unterminated '[' runs to the end of the pattern in stringmatchlen.
      out += translateClass(chars.slice(i + 1, end));
      i = end;
    } else out += escapeLiteral(char);
  }
  return out;
}

function classEnd(chars: readonly string[], start: number): number {
  for (let i = start + 1; i < chars.length; i++) {
    if (chars[i] === "\\") i++;
    else if (chars[i] === "]") return i;
  }
  return chars.length;
}

function translateClass(body: readonly string[]): string {
  let negate = false;
  let i = 0;
  if (body[0] === "^") {
    negate = true;
    i = 1;
  }
  let members = "";
  for (; i < body.length; i++) {
    const char = body[i] ?? "";
    if (char === "\\" && i + 1 < body.length) {
      members += escapeInClass(body[++i] ?? "");
    } else if (body[i + 1] === "-" && i + 2 < body.length) {
      // stringmatchlen accepts reversed ranges ([z-a]) by swapping the ends.
      const from = char;
      const to = body[i + 2] ?? "";
      const [low, high] = from <= to ? [from, to] : [to, from];
      members += `${escapeInClass(low)}-${escapeInClass(high)}`;
      i += 2;
    } else {
      members += escapeInClass(char);
    }
  }
  if (members === "") return negate ? "." : "(?!)";
  return `[${negate ? "^" : ""}${members}]`;
}

function escapeLiteral(char: string): string {
  // Unicode-mode RegExps reject needless escapes such as "\-", so only syntax characters.
  return char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function escapeInClass(char: string): string {
  return char.replace(/[\]\\^-]/g, "\\$&");
}
