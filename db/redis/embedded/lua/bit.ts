/**
 * The `bit` library Redis preloads (LuaBitOp, https://bitop.luajit.org/api.html): 32-bit
 * operations on numbers, results as signed 32-bit values.
 */
import { type LuaState, lauxlib, lua } from "./fengari.ts";
import { luaFunction } from "./functions.ts";

/** bit.tobit: round to the nearest integer (ties to even), keep the low 32 bits, signed. */
function toBit(value: number): number {
  if (!Number.isFinite(value)) return 0;
  let rounded = Math.round(value);
  if (Math.abs(value % 1) === 0.5 && rounded % 2 !== 0) rounded -= 1;
  return rounded | 0;
}

/**
 * LuaBitOp's barg: the number (numeric strings included) as a bit field; anything else is
 * "bad argument #1 to 'band' (number expected, got string)" with the script position.
 */
function argument(L: LuaState, index: number): number {
  return toBit(lauxlib.luaL_checknumber(L, index));
}

function variadic(combine: (a: number, b: number) => number) {
  return luaFunction((L) => {
    let result = argument(L, 1);
    for (let i = 2; i <= lua.lua_gettop(L); i++) result = combine(result, argument(L, i));
    lua.lua_pushnumber(L, result | 0);
    return 1;
  });
}

function binary(op: (a: number, b: number) => number) {
  return luaFunction((L) => {
    lua.lua_pushnumber(L, op(argument(L, 1), argument(L, 2) & 31) | 0);
    return 1;
  });
}

function tohex(L: LuaState): number {
  const value = argument(L, 1);
  const requested = lua.lua_gettop(L) >= 2 ? argument(L, 2) : 8;
  const digits = Math.min(Math.abs(requested), 8);
  let hex = (value >>> 0)
    .toString(16)
    .padStart(8, "0")
    .slice(8 - digits);
  if (requested < 0) hex = hex.toUpperCase();
  lua.lua_pushstring(L, hex);
  return 1;
}

export function pushBit(L: LuaState): void {
  const functions: Record<string, (L: LuaState) => number> = {
    tobit: luaFunction((state) => {
      lua.lua_pushnumber(state, argument(state, 1));
      return 1;
    }),
    bnot: luaFunction((state) => {
      lua.lua_pushnumber(state, ~argument(state, 1));
      return 1;
    }),
    band: variadic((a, b) => a & b),
    bor: variadic((a, b) => a | b),
    bxor: variadic((a, b) => a ^ b),
    lshift: binary((a, n) => a << n),
    rshift: binary((a, n) => a >>> n),
    arshift: binary((a, n) => a >> n),
    rol: binary((a, n) => (a << n) | (a >>> (32 - n))),
    ror: binary((a, n) => (a >>> n) | (a << (32 - n))),
    bswap: luaFunction((state) => {
      const a = argument(state, 1);
      lua.lua_pushnumber(
        state,
        ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | ((a >>> 24) & 0xff),
      );
      return 1;
    }),
    tohex: luaFunction(tohex),
  };
  lua.lua_createtable(L, 0, Object.keys(functions).length);
  for (const [name, fn] of Object.entries(functions)) {
    lua.lua_pushjsfunction(L, fn);
    lua.lua_setfield(L, -2, name);
  }
}
