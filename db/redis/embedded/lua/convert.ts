/**
 * Conversion between Redis replies and Lua values, following Redis' rules
 * (https://redis.io/docs/latest/develop/interact/programmability/lua-api/#data-type-conversion):
 *
 * Redis → Lua: integer → number, bulk → string, nil bulk/array → false, array → table,
 * status → {ok=...}, error → {err=...}.
 * Lua → Redis: number → integer (truncated), string → bulk, true → 1, false/nil → nil,
 * table → array up to the first nil, {err=...} → error, {ok=...} → status.
 */
import { formatG17 } from "../numbers.ts";
import { ErrorReply, type Reply, StatusReply } from "../reply.ts";
import { type LuaState, lua, toText } from "./fengari.ts";

/** Redis gives up on replies nested deeper than this (script_lua.c, "reached lua stack limit"). */
const MAX_DEPTH = 1000;

export function pushReply(L: LuaState, reply: Reply): void {
  if (typeof reply === "string") lua.lua_pushstring(L, reply);
  // Floats, as Lua 5.1 numbers are doubles (see numerals.ts).
  else if (typeof reply === "number") lua.lua_pushnumber(L, reply);
  else if (reply === null) lua.lua_pushboolean(L, false);
  else if (reply instanceof StatusReply) pushSingleField(L, "ok", reply.message);
  else if (reply instanceof ErrorReply) pushSingleField(L, "err", reply.message);
  else {
    lua.lua_checkstack(L, 2);
    lua.lua_createtable(L, reply.length, 0);
    reply.forEach((item, index) => {
      pushReply(L, item);
      lua.lua_rawseti(L, -2, index + 1);
    });
  }
}

export function pushSingleField(L: LuaState, field: string, value: string): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, value);
  lua.lua_setfield(L, -2, field);
}

/** Reads the value at `index` as a Redis reply without changing the stack. */
export function toReply(L: LuaState, index: number, depth = 0): Reply {
  const at = lua.lua_absindex(L, index);
  switch (lua.lua_type(L, at)) {
    case lua.LUA_TSTRING:
      return toText(lua.lua_tostring(L, at) ?? new Uint8Array());
    case lua.LUA_TNUMBER:
      return toLongLong(lua.lua_tonumber(L, at));
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, at) ? 1 : null;
    case lua.LUA_TTABLE:
      if (depth >= MAX_DEPTH) return new ErrorReply("ERR reached lua stack limit");
      return tableToReply(L, at, depth);
    default:
      return null;
  }
}

const INT64_MIN = -(2 ** 63);

/**
 * Redis replies with (long long)number. C leaves NaN and values outside the int64 range
 * undefined; x86-64 (cvttsd2si) gives INT64_MIN for all of them, so `return 1/0` and
 * `return 0/0` answer -9223372036854775808 there. (ARM saturates instead; x86-64 is what
 * Redis servers run on.)
 */
export function toLongLong(value: number): number {
  if (Number.isNaN(value) || value >= 2 ** 63 || value < INT64_MIN) return INT64_MIN;
  return Math.trunc(value) + 0;
}

function tableToReply(L: LuaState, at: number, depth: number): Reply {
  const err = rawStringField(L, at, "err");
  if (err !== undefined) return new ErrorReply(err);
  const ok = rawStringField(L, at, "ok");
  if (ok !== undefined) return new StatusReply(ok);
  // RESP3's {double=...}; a RESP2 client gets the number as a bulk string.
  lua.lua_pushstring(L, "double");
  if (lua.lua_rawget(L, at) === lua.LUA_TNUMBER) {
    const value = lua.lua_tonumber(L, -1);
    lua.lua_pop(L, 1);
    return formatG17(value);
  }
  lua.lua_pop(L, 1);
  const items: Reply[] = [];
  lua.lua_checkstack(L, 2);
  for (let i = 1; ; i++) {
    if (lua.lua_rawgeti(L, at, i) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      return items;
    }
    items.push(toReply(L, -1, depth + 1));
    lua.lua_pop(L, 1);
  }
}

function rawStringField(L: LuaState, at: number, field: string): string | undefined {
  lua.lua_pushstring(L, field);
  const type = lua.lua_rawget(L, at);
  const value =
    type === lua.LUA_TSTRING ? toText(lua.lua_tostring(L, -1) ?? new Uint8Array()) : undefined;
  lua.lua_pop(L, 1);
  return value;
}
