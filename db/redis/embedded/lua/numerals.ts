/**
 * Turns a script into Lua 5.3 source that behaves as the Lua 5.1 one does in Redis.
 *
 * Numerals: integer literals become float literals (`1000` → `1000.0`). Redis runs Lua 5.1,
 * where every number is a double. fengari is Lua 5.3 with 32-bit integers (luaconf.js
 * LUA_MAXINTEGER = 2147483647), so integer arithmetic wraps: `3000000 * 1000` is -1294967296
 * there, 3000000000 in Redis. Making literals floats, together with tonumber, math.floor/ceil
 * and redis.call replies returning floats (sandbox.ts), keeps script arithmetic in doubles as
 * in Redis. Integral floats print without ".0" because of LUA_COMPAT_FLOATSTRING
 * (fengari-config.ts), so string results are unchanged.
 *
 * String escapes: 5.1 knows no `\x41`, `\z` or `\u{...}`; an unknown escape is the
 * character itself, so '\x41' is "x41" in Redis and "A" in 5.3. Those three lose their
 * backslash here.
 *
 * Operators: `//`, `&`, `|`, `~` (other than `~=`), `<<`, `>>` and `::` labels are 5.3
 * syntax that Redis refuses to compile; a script using them must not work here and then
 * fail in production. They are reported as "unexpected symbol near '<char>'", Lua 5.1's
 * usual message for them (in some positions 5.1 words it differently).
 *
 * This is a scanner, not a parser: it skips strings, long strings, comments and identifiers
 * and only touches numerals, escapes and those operators; line breaks are kept so error line
 * numbers stay right.
 */
export function toLua51Source(source: string): { source: string } | { error: string } {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const char = source[i] ?? "";
    const next = source[i + 1] ?? "";
    let end: number;
    if (char === "-" && next === "-") end = commentEnd(source, i);
    else if (char === '"' || char === "'") {
      end = quotedEnd(source, i, char);
      out += withLua51Escapes(source.slice(i, end));
      i = end;
      continue;
    } else if (char === "[" && longBracketLevel(source, i) >= 0) end = longEnd(source, i);
    else if (/[A-Za-z_]/.test(char)) end = matchEnd(source, i, /[A-Za-z0-9_]*/y, 1);
    else if (/[0-9]/.test(char) || (char === "." && /[0-9]/.test(next))) {
      end = numeralEnd(source, i);
      out += asFloat(source.slice(i, end));
      i = end;
      continue;
    } else if (isLua53Operator(char, next)) {
      const line = source.slice(0, i).split("\n").length;
      return { error: `user_script:${line}: unexpected symbol near '${char}'` };
    } else end = i + 1;
    out += source.slice(i, end);
    i = end;
  }
  return { source: out };
}

function isLua53Operator(char: string, next: string): boolean {
  if (char === "&" || char === "|") return true;
  if (char === "~") return next !== "=";
  return (char === "/" || char === "<" || char === ">" || char === ":") && next === char;
}

/** A quoted string with 5.3-only escapes (\x, \z, \u) read as 5.1 reads them. */
function withLua51Escapes(quoted: string): string {
  return quoted.replace(/\\([\s\S])/g, (sequence, char: string) =>
    "xzu".includes(char) ? char : sequence,
  );
}

function asFloat(numeral: string): string {
  if (/^[0-9]+$/.test(numeral)) return `${numeral}.0`;
  if (/^0[xX][0-9a-fA-F]+$/.test(numeral)) {
    const text = String(Number(BigInt(numeral)));
    return /^[0-9]+$/.test(text) ? `${text}.0` : text;
  }
  return numeral;
}

/** Lua's read_numeral: alphanumerics, dots, and a sign right after an exponent mark. */
function numeralEnd(source: string, start: number): number {
  const hex = /^0[xX]/.test(source.slice(start, start + 2));
  const exponent = hex ? /[pP]/ : /[eE]/;
  let i = start;
  while (i < source.length) {
    const char = source[i] ?? "";
    if (/[+-]/.test(char) && exponent.test(source[i - 1] ?? "")) i++;
    else if (/[0-9A-Za-z_.]/.test(char)) i++;
    else break;
  }
  return i;
}

function matchEnd(source: string, start: number, pattern: RegExp, skip: number): number {
  pattern.lastIndex = start + skip;
  const match = pattern.exec(source);
  return start + skip + (match ? match[0].length : 0);
}

function quotedEnd(source: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < source.length && source[i] !== quote && source[i] !== "\n") {
    i += source[i] === "\\" ? 2 : 1;
  }
  return Math.min(i + 1, source.length);
}

/** Level of a long bracket `[==[` starting at `start`, or -1 when it is not one. */
function longBracketLevel(source: string, start: number): number {
  let i = start + 1;
  while (source[i] === "=") i++;
  return source[i] === "[" ? i - start - 1 : -1;
}

function longEnd(source: string, start: number): number {
  const level = longBracketLevel(source, start);
  const close = `]${"=".repeat(level)}]`;
  const found = source.indexOf(close, start + level + 2);
  return found < 0 ? source.length : found + close.length;
}

function commentEnd(source: string, start: number): number {
  if (source[start + 2] === "[" && longBracketLevel(source, start + 2) >= 0) {
    return longEnd(source, start + 2);
  }
  const newline = source.indexOf("\n", start);
  return newline < 0 ? source.length : newline;
}
