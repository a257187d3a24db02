/**
 * The `cjson` library Redis preloads (lua-cjson 2.1, https://kyne.au/~mark/software/lua-cjson-manual.html):
 * encode and decode with its defaults: 14 significant digits, "/" escaped, an empty table
 * encodes as {}, tables with only positive integer keys are arrays (holes become null, too
 * sparse an array is an error), JSON null decodes to the `cjson.null` sentinel. Errors read
 * as lua-cjson's, prefixed with the script position as luaL_error does (the decoder is in
 * cjson-decode.ts).
 */
import { formatG } from "../numbers.ts";
import { CjsonDecodeError, decodeJson } from "./cjson-decode.ts";
import { type LuaState, lauxlib, lua, to_luastring, toText } from "./fengari.ts";
import { luaFunction, raiseWithPosition } from "./functions.ts";

/** cjson.null: a light userdata, as in lua-cjson (compares equal only to itself). */
export const CJSON_NULL = Object.freeze({ cjsonNull: true });

const MAX_DEPTH = 1000;
const SPARSE_RATIO = 2;
const SPARSE_SAFE = 10;

const fail = raiseWithPosition;

/** lua_cjson.c json_encode_exception: "Cannot serialise <type of the value>: <reason>". */
function cannotSerialise(L: LuaState, index: number, reason: string): never {
  return fail(`Cannot serialise ${toText(lauxlib.luaL_typename(L, index))}: ${reason}`);
}

/** luaL_argcheck(l, lua_gettop(l) == 1, 1, "expected 1 argument"), as encode and decode do. */
function checkOneArgument(L: LuaState): void {
  if (lua.lua_gettop(L) !== 1) lauxlib.luaL_argerror(L, 1, to_luastring("expected 1 argument"));
}

const NAMED_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "/": "\\/",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** lua-cjson's char2escape table: control characters, quote, backslash, "/" and DEL. */
function encodeString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.charCodeAt(0);
    const named = NAMED_ESCAPES[char];
    if (named !== undefined) out += named;
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

function encodeNumber(L: LuaState, index: number): string {
  const value = lua.lua_tonumber(L, index);
  if (!Number.isFinite(value)) cannotSerialise(L, index, "must not be NaN or Inf");
  return formatG(value, 14);
}

function encodeValue(L: LuaState, index: number, depth: number): string {
  const at = lua.lua_absindex(L, index);
  switch (lua.lua_type(L, at)) {
    case lua.LUA_TNIL:
      return "null";
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, at) ? "true" : "false";
    case lua.LUA_TNUMBER:
      return encodeNumber(L, at);
    case lua.LUA_TSTRING:
      return encodeString(toText(lua.lua_tostring(L, at) ?? new Uint8Array()));
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, at) === CJSON_NULL) return "null";
      return cannotSerialise(L, at, "type not supported");
    case lua.LUA_TTABLE:
      if (depth >= MAX_DEPTH) fail(`Cannot serialise, excessive nesting (${depth + 1})`);
      return encodeTable(L, at, depth + 1);
    default:
      return cannotSerialise(L, at, "type not supported");
  }
}

/** lua_cjson.c lua_array_length: the array length, or -1 for an object. */
function arrayLength(L: LuaState, at: number): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, at)) {
    const key = lua.lua_type(L, -2) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -2) : Number.NaN;
    lua.lua_pop(L, 1);
    if (!Number.isInteger(key) || key < 1) {
      lua.lua_pop(L, 1);
      return -1;
    }
    max = Math.max(max, key);
    items++;
  }
  if (max > items * SPARSE_RATIO && max > SPARSE_SAFE) {
    cannotSerialise(L, at, "excessively sparse array");
  }
  return max;
}

function encodeTable(L: LuaState, at: number, depth: number): string {
  lua.lua_checkstack(L, 4);
  const length = arrayLength(L, at);
  if (length > 0) {
    const items: string[] = [];
    for (let i = 1; i <= length; i++) {
      lua.lua_rawgeti(L, at, i);
      items.push(encodeValue(L, -1, depth));
      lua.lua_pop(L, 1);
    }
    return `[${items.join(",")}]`;
  }
  const members: string[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, at)) {
    const keyType = lua.lua_type(L, -2);
    let key: string;
    if (keyType === lua.LUA_TSTRING) key = toText(lua.lua_tostring(L, -2) ?? new Uint8Array());
    else if (keyType === lua.LUA_TNUMBER) key = encodeNumber(L, -2);
    else cannotSerialise(L, -2, "table key must be a number or string");
    members.push(`${encodeString(key)}:${encodeValue(L, -1, depth)}`);
    lua.lua_pop(L, 1);
  }
  return `{${members.join(",")}}`;
}

/** Pushes the `cjson` table. */
export function pushCjson(L: LuaState): void {
  lua.lua_createtable(L, 0, 3);
  lua.lua_pushjsfunction(
    L,
    luaFunction((state) => {
      checkOneArgument(state);
      lua.lua_pushstring(state, encodeValue(state, 1, 0));
      return 1;
    }),
  );
  lua.lua_setfield(L, -2, "encode");
  lua.lua_pushjsfunction(
    L,
    luaFunction((state) => {
      checkOneArgument(state);
      // Numbers are taken as their string form, as luaL_checklstring does.
      const json = lauxlib.luaL_checklstring(state, 1);
      try {
        decodeJson(state, json, () => lua.lua_pushlightuserdata(state, CJSON_NULL));
      } catch (error) {
        if (error instanceof CjsonDecodeError) fail(error.message);
        throw error;
      }
      return 1;
    }),
  );
  lua.lua_setfield(L, -2, "decode");
  lua.lua_pushlightuserdata(L, CJSON_NULL);
  lua.lua_setfield(L, -2, "null");
}
