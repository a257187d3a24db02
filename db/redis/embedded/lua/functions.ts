/**
 * JS functions callable from Lua. A JS exception must not escape into fengari's VM (it
 * would unwind past the script's error handler), so every function is wrapped: a thrown
 * LuaRaise pushes its Lua error value, any other Error becomes a Lua string error, and
 * fengari's own error jumps pass through untouched.
 */
import { type LuaJsFunction, type LuaState, lauxlib, lua } from "./fengari.ts";

export class LuaRaise extends Error {
  constructor(
    readonly pushValue: (L: LuaState) => void,
    message: string,
  ) {
    super(message);
  }
}

export function luaFunction(body: (L: LuaState) => number): LuaJsFunction {
  return (L) => {
    let failure: Error;
    try {
      return body(L);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failure = error;
    }
    if (failure instanceof LuaRaise) failure.pushValue(L);
    else lua.lua_pushstring(L, failure.message);
    return lua.lua_error(L);
  };
}

/**
 * An error raised the way C libraries raise them with luaL_error: the message prefixed with
 * the calling script's position ("user_script:3: "), as Redis reports cjson and bit errors.
 */
export function raiseWithPosition(message: string): never {
  throw new LuaRaise((L) => {
    lauxlib.luaL_where(L, 1);
    lua.lua_pushstring(L, message);
    lua.lua_concat(L, 2);
  }, message);
}
