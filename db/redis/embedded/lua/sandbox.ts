/**
 * One Lua state set up the way Redis 7.0 sets up its scripting environment: the base,
 * table, string and math libraries plus cjson, bit and redis; the Lua 5.1 names scripts
 * expect; and a read-only global table, so scripts cannot leak state into each other
 * (https://redis.io/docs/latest/develop/interact/programmability/lua-api/#runtime-globals).
 */
import { pushBit } from "./bit.ts";
import { pushCjson } from "./cjson.ts";
import { type LuaState, lauxlib, lua, lualib, to_luastring, toText } from "./fengari.ts";
import { pushRedisApi, type RedisApiHost } from "./redis-api.ts";

/**
 * Redis runs Lua 5.1 and fengari is 5.3. The 5.1 names come back here; numbers are kept as
 * floats (math.floor, math.ceil and tonumber return floats, and numerals.ts turns integer
 * literals into floats) because 5.1 has only doubles and fengari's integers are 32-bit.
 */
const LUA51_COMPAT = `
unpack = table.unpack
loadstring = function(source, name) return load(source, name, "t") end
table.getn = function(t) return #t end
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
string.gfind = string.gmatch
do
  local floor, ceil, tonum = math.floor, math.ceil, tonumber
  math.floor = function(x) return floor(x) + 0.0 end
  math.ceil = function(x) return ceil(x) + 0.0 end
  tonumber = function(...)
    local n = tonum(...)
    if n == nil then return nil end
    return n + 0.0
  end
end
print = function() end
dofile = nil
loadfile = nil
_VERSION = "Lua 5.1"
-- 5.3-only names Redis' Lua does not have: a script using them must fail here as it would there.
table.unpack, table.pack, table.move = nil, nil, nil
math.type, math.tointeger, math.ult, math.maxinteger, math.mininteger = nil, nil, nil, nil, nil
string.pack, string.unpack, string.packsize = nil, nil, nil
rawlen = nil
`;

/** Redis 7.0's messages for writing a global and reading an undefined one. */
const PROTECT_GLOBALS = `
setmetatable(_G, {
  __newindex = function() error("Attempt to modify a readonly table", 2) end,
  __index = function(_, name)
    error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
  end,
  __metatable = false,
})
`;

export function createSandbox(host: RedisApiHost): LuaState {
  const L = lauxlib.luaL_newstate();
  lauxlib.luaL_requiref(L, "_G", lualib.luaopen_base, true);
  lauxlib.luaL_requiref(L, "table", lualib.luaopen_table, true);
  lauxlib.luaL_requiref(L, "string", lualib.luaopen_string, true);
  lauxlib.luaL_requiref(L, "math", lualib.luaopen_math, true);
  lua.lua_settop(L, 0);
  pushCjson(L);
  lua.lua_setglobal(L, "cjson");
  pushBit(L);
  lua.lua_setglobal(L, "bit");
  pushRedisApi(L, host);
  lua.lua_setglobal(L, "redis");
  runChunk(L, LUA51_COMPAT, "=compat");
  runChunk(L, PROTECT_GLOBALS, "=protect");
  return L;
}

/** Sets a global without tripping the read-only guard (KEYS and ARGV before each run). */
export function setGlobalRaw(L: LuaState, name: string, push: () => void): void {
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
  lua.lua_pushstring(L, name);
  push();
  lua.lua_rawset(L, -3);
  lua.lua_pop(L, 1);
}

export function pushStringArray(L: LuaState, values: readonly string[]): void {
  lua.lua_createtable(L, values.length, 0);
  values.forEach((value, index) => {
    lua.lua_pushstring(L, value);
    lua.lua_rawseti(L, -2, index + 1);
  });
}

function runChunk(L: LuaState, source: string, name: string): void {
  const bytes = to_luastring(source);
  if (
    lauxlib.luaL_loadbufferx(L, bytes, bytes.length, name, "t") !== lua.LUA_OK ||
    lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK
  ) {
    const message = toText(lua.lua_tostring(L, -1) ?? new Uint8Array());
    throw new Error(`Lua sandbox setup failed: ${message}`);
  }
}
