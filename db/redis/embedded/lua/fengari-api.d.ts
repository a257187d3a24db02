/**
 * The part of fengari's API (https://github.com/fengari-lua/fengari) the Lua bridge uses.
 * fengari mirrors the Lua 5.3 C API (https://www.lua.org/manual/5.3/manual.html#4) with
 * strings as Uint8Array byte strings; it ships no types of its own.
 */
declare module "fengari" {
  export interface LuaState {
    readonly __luaState: unique symbol;
  }
  export type LuaString = Uint8Array;
  export type LuaJsFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: LuaDebug) => void;

  export interface LuaDebug {
    currentline: number;
    source: LuaString | null;
    what: LuaString | null;
  }

  interface Lua {
    readonly LUA_OK: number;
    readonly LUA_ERRSYNTAX: number;
    readonly LUA_MULTRET: number;
    readonly LUA_TNONE: number;
    readonly LUA_TNIL: number;
    readonly LUA_TBOOLEAN: number;
    readonly LUA_TLIGHTUSERDATA: number;
    readonly LUA_TNUMBER: number;
    readonly LUA_TSTRING: number;
    readonly LUA_TTABLE: number;
    readonly LUA_TFUNCTION: number;
    readonly LUA_REGISTRYINDEX: number;
    readonly LUA_RIDX_GLOBALS: number;
    readonly LUA_MASKCOUNT: number;
    lua_Debug: new () => LuaDebug;
    lua_absindex(L: LuaState, index: number): number;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_concat(L: LuaState, n: number): void;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_error(L: LuaState): never;
    lua_getfield(L: LuaState, index: number, key: string): number;
    lua_getglobal(L: LuaState, name: string): number;
    lua_getinfo(L: LuaState, what: string, ar: LuaDebug): number;
    lua_getstack(L: LuaState, level: number, ar: LuaDebug): number;
    lua_gettop(L: LuaState): number;
    lua_isinteger(L: LuaState, index: number): boolean;
    lua_next(L: LuaState, index: number): boolean;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_pop(L: LuaState, n: number): void;
    lua_pushboolean(L: LuaState, value: boolean): void;
    lua_pushinteger(L: LuaState, value: number): void;
    lua_pushjsfunction(L: LuaState, fn: LuaJsFunction): void;
    lua_pushlightuserdata(L: LuaState, value: object): void;
    lua_pushnil(L: LuaState): void;
    lua_pushnumber(L: LuaState, value: number): void;
    lua_pushstring(L: LuaState, value: string | LuaString): LuaString;
    lua_pushvalue(L: LuaState, index: number): void;
    lua_rawequal(L: LuaState, a: number, b: number): boolean;
    lua_rawget(L: LuaState, index: number): number;
    lua_rawgeti(L: LuaState, index: number, n: number): number;
    lua_rawlen(L: LuaState, index: number): number;
    lua_rawset(L: LuaState, index: number): void;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_remove(L: LuaState, index: number): void;
    lua_setfield(L: LuaState, index: number, key: string): void;
    lua_setglobal(L: LuaState, name: string): void;
    lua_sethook(L: LuaState, hook: LuaHook | null, mask: number, count: number): void;
    lua_settop(L: LuaState, index: number): void;
    lua_toboolean(L: LuaState, index: number): boolean;
    lua_tonumber(L: LuaState, index: number): number;
    /** Pushes the number the string reads as and returns its length + 1, or 0 (nothing pushed). */
    lua_stringtonumber(L: LuaState, s: Uint8Array): number;
    lua_tostring(L: LuaState, index: number): LuaString | null;
    lua_touserdata(L: LuaState, index: number): unknown;
    lua_type(L: LuaState, index: number): number;
  }

  interface LauxLib {
    /** Raises "bad argument #<arg> to '<function>' (<extramsg>)" with the caller's position. */
    luaL_argerror(L: LuaState, arg: number, extramsg: LuaString): never;
    luaL_checklstring(L: LuaState, arg: number): LuaString;
    luaL_checknumber(L: LuaState, arg: number): number;
    luaL_typename(L: LuaState, index: number): LuaString;
    /** Pushes "<chunk>:<line>: " for the function `level` calls up, or "" for a JS function. */
    luaL_where(L: LuaState, level: number): void;
    luaL_newstate(): LuaState;
    luaL_loadbufferx(
      L: LuaState,
      buffer: LuaString,
      size: number,
      chunkname: string,
      mode: string | null,
    ): number;
    luaL_ref(L: LuaState, table: number): number;
    luaL_unref(L: LuaState, table: number, ref: number): void;
    luaL_requiref(L: LuaState, name: string, open: LuaJsFunction, global: boolean): void;
  }

  interface LuaLib {
    readonly luaopen_base: LuaJsFunction;
    readonly luaopen_table: LuaJsFunction;
    readonly luaopen_string: LuaJsFunction;
    readonly luaopen_math: LuaJsFunction;
  }

  interface Fengari {
    lua: Lua;
    lauxlib: LauxLib;
    lualib: LuaLib;
    to_luastring(text: string): LuaString;
    to_jsstring(bytes: LuaString, from?: number, to?: number, replacementChar?: boolean): string;
  }

  const fengari: Fengari;
  export default fengari;
}

/** fengari's build configuration; fengari-number-format.ts replaces its number formatting. */
declare module "fengari/src/luaconf.js" {
  const luaconf: { lua_number2str: (value: number) => string };
  export default luaconf;
}
