/**
 * cjson.decode as lua-cjson 2.1.0 (the copy in Redis' deps/lua) parses: its tokenizer, its
 * leniency (numbers as strtod reads them: "+1", "01", "0x10", "inf", "nan"; raw control
 * characters inside strings) and its error messages, e.g. "Expected comma or array end but
 * found T_NUMBER at character 4", which scripts may match on. JSON.parse agrees on valid
 * JSON but words every error differently and refuses what lua-cjson lets through.
 *
 * It works on the Lua string's bytes, as the C code does, so positions count bytes.
 */
import type { LuaState } from "./fengari.ts";
import { lua } from "./fengari.ts";

type TokenType =
  | "T_OBJ_BEGIN"
  | "T_OBJ_END"
  | "T_ARR_BEGIN"
  | "T_ARR_END"
  | "T_STRING"
  | "T_NUMBER"
  | "T_BOOLEAN"
  | "T_NULL"
  | "T_COLON"
  | "T_COMMA"
  | "T_END"
  | "T_ERROR";

interface Token {
  type: TokenType;
  /** 0-based byte offset, shown 1-based in messages. */
  index: number;
  string?: Uint8Array;
  number?: number;
  boolean?: boolean;
  /** What T_ERROR found, e.g. "invalid token". */
  error?: string;
}

const SINGLE: Record<string, TokenType> = {
  "{": "T_OBJ_BEGIN",
  "}": "T_OBJ_END",
  "[": "T_ARR_BEGIN",
  "]": "T_ARR_END",
  ",": "T_COMMA",
  ":": "T_COLON",
};
const ESCAPES: Record<string, number> = {
  '"': 0x22,
  "\\": 0x5c,
  "/": 0x2f,
  b: 8,
  t: 9,
  n: 10,
  f: 12,
  r: 13,
};
const MAX_DEPTH = 1000;
/** What glibc's strtod reads: decimal, hexadecimal, inf/infinity and nan, with a sign. */
const STRTOD =
  /^[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** A decode error; the caller raises it as a Lua error with the script position. */
export class CjsonDecodeError extends Error {}

function parseStrtod(text: string): number {
  const unsigned = text.replace(/^[+-]/, "");
  const negative = text.startsWith("-");
  let value: number;
  if (/^inf/i.test(unsigned)) value = Infinity;
  else if (/^nan/i.test(unsigned)) value = Number.NaN;
  else if (/^0x/i.test(unsigned)) {
    const [, mantissa = "", fraction = "", exponent = "0"] =
      /^0x([0-9a-f]*)\.?([0-9a-f]*)(?:p([+-]?[0-9]+))?$/i.exec(unsigned) ?? [];
    const digits = mantissa + fraction;
    value = Number.parseInt(digits || "0", 16) * 2 ** (Number(exponent) - 4 * fraction.length);
  } else value = Number(unsigned);
  return negative ? -value : value;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly L: LuaState,
    private readonly data: Uint8Array,
    private readonly pushNull: () => void,
  ) {}

  /** The byte at i; the C string's terminating NUL past the end (an embedded NUL ends it too). */
  private at(i: number): number {
    return this.data[i] ?? 0;
  }

  decode(): void {
    this.value(this.next());
    const end = this.next();
    if (end.type !== "T_END") this.fail("the end", end);
  }

  private fail(expected: string, token: Token): never {
    const found = token.type === "T_ERROR" ? token.error : token.type;
    throw new CjsonDecodeError(
      `Expected ${expected} but found ${found} at character ${token.index + 1}`,
    );
  }

  private next(): Token {
    while ([0x20, 0x09, 0x0a, 0x0d].includes(this.at(this.pos))) this.pos++;
    const index = this.pos;
    const byte = this.at(index);
    const char = String.fromCharCode(byte);
    if (byte === 0) return { type: "T_END", index };
    const single = SINGLE[char];
    if (single) {
      this.pos++;
      return { type: single, index };
    }
    if (char === '"') return this.stringToken(index);
    const rest = new TextDecoder("latin1").decode(this.data.subarray(index, index + 400));
    if (char === "-" || (byte >= 0x30 && byte <= 0x39)) return this.numberToken(index, rest);
    for (const [word, value] of [
      ["true", true],
      ["false", false],
    ] as const) {
      if (rest.startsWith(word)) {
        this.pos += word.length;
        return { type: "T_BOOLEAN", index, boolean: value };
      }
    }
    if (rest.startsWith("null")) {
      this.pos += 4;
      return { type: "T_NULL", index };
    }
    // "+1", inf and nan go to strtod: decode_invalid_numbers is on by default.
    if (char === "+" || /^(?:inf|nan)/i.test(rest)) return this.numberToken(index, rest);
    return { type: "T_ERROR", index, error: "invalid token" };
  }

  private numberToken(index: number, rest: string): Token {
    const match = STRTOD.exec(rest);
    if (!match) return { type: "T_ERROR", index, error: "invalid number" };
    this.pos += match[0].length;
    return { type: "T_NUMBER", index, number: parseStrtod(match[0]) };
  }

  private stringToken(index: number): Token {
    const bytes: number[] = [];
    this.pos++;
    for (;;) {
      const byte = this.at(this.pos);
      if (byte === 0x22) break;
      if (byte === 0)
        return { type: "T_ERROR", index: this.pos, error: "unexpected end of string" };
      if (byte !== 0x5c) {
        bytes.push(byte);
        this.pos++;
        continue;
      }
      const escaped = String.fromCharCode(this.at(this.pos + 1));
      if (escaped === "u") {
        const length = this.unicodeEscape(bytes);
        if (length < 0)
          return { type: "T_ERROR", index: this.pos, error: "invalid unicode escape code" };
        this.pos += length;
        continue;
      }
      const translated = ESCAPES[escaped];
      if (translated === undefined)
        return { type: "T_ERROR", index: this.pos, error: "invalid escape code" };
      bytes.push(translated);
      this.pos += 2;
    }
    this.pos++;
    return { type: "T_STRING", index, string: Uint8Array.from(bytes) };
  }

  private hex4(at: number): number {
    const text = String.fromCharCode(...this.data.subarray(at, at + 4));
    return /^[0-9a-fA-F]{4}$/.test(text) ? Number.parseInt(text, 16) : -1;
  }

  /** \uXXXX (and a surrogate pair) as UTF-8; the escape's length, or -1 when invalid. */
  private unicodeEscape(out: number[]): number {
    let codepoint = this.hex4(this.pos + 2);
    let length = 6;
    if (codepoint < 0) return -1;
    if ((codepoint & 0xf800) === 0xd800) {
      if (codepoint & 0x400) return -1;
      if (this.at(this.pos + 6) !== 0x5c || this.at(this.pos + 7) !== 0x75) return -1;
      const low = this.hex4(this.pos + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return -1;
      codepoint = (((codepoint & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      length = 12;
    }
    out.push(...new TextEncoder().encode(String.fromCodePoint(codepoint)));
    return length;
  }

  private descend(): void {
    this.depth++;
    if (this.depth > MAX_DEPTH || !lua.lua_checkstack(this.L, 3)) {
      throw new CjsonDecodeError(
        `Found too many nested data structures (${this.depth}) at character ${this.pos}`,
      );
    }
  }

  private value(token: Token): void {
    const L = this.L;
    switch (token.type) {
      case "T_STRING":
        lua.lua_pushstring(L, token.string ?? new Uint8Array());
        return;
      case "T_NUMBER":
        lua.lua_pushnumber(L, token.number ?? 0);
        return;
      case "T_BOOLEAN":
        lua.lua_pushboolean(L, token.boolean ?? false);
        return;
      case "T_NULL":
        this.pushNull();
        return;
      case "T_OBJ_BEGIN":
        this.object();
        return;
      case "T_ARR_BEGIN":
        this.array();
        return;
      default:
        this.fail("value", token);
    }
  }

  private object(): void {
    this.descend();
    lua.lua_createtable(this.L, 0, 0);
    let token = this.next();
    if (token.type === "T_OBJ_END") {
      this.depth--;
      return;
    }
    for (;;) {
      if (token.type !== "T_STRING") this.fail("object key string", token);
      lua.lua_pushstring(this.L, token.string ?? new Uint8Array());
      token = this.next();
      if (token.type !== "T_COLON") this.fail("colon", token);
      this.value(this.next());
      lua.lua_rawset(this.L, -3);
      token = this.next();
      if (token.type === "T_OBJ_END") {
        this.depth--;
        return;
      }
      if (token.type !== "T_COMMA") this.fail("comma or object end", token);
      token = this.next();
    }
  }

  private array(): void {
    this.descend();
    lua.lua_createtable(this.L, 0, 0);
    let token = this.next();
    if (token.type === "T_ARR_END") {
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.value(token);
      lua.lua_rawseti(this.L, -2, i);
      token = this.next();
      if (token.type === "T_ARR_END") {
        this.depth--;
        return;
      }
      if (token.type !== "T_COMMA") this.fail("comma or array end", token);
      token = this.next();
    }
  }
}

/**
 * Decodes `json` and pushes the value. Throws CjsonDecodeError; the stack may then hold
 * partial tables, which the Lua error unwinds.
 */
export function decodeJson(L: LuaState, json: Uint8Array, pushNull: () => void): void {
  if (json.length >= 2 && (json[0] === 0 || json[1] === 0)) {
    throw new CjsonDecodeError("JSON parser does not support UTF-16 or UTF-32");
  }
  new Parser(L, json, pushNull).decode();
}
