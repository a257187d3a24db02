/**
 * The `redis` table scripts see (https://redis.io/docs/latest/develop/interact/programmability/lua-api/):
 * call/pcall, error_reply/status_reply, sha1hex, log, and the constants and no-op helpers a
 * Redis 7 script may touch. Error messages are Redis 7.0's (script_lua.c).
 */
import { sha1Hex } from "../../sha1.ts";
import { formatG17 } from "../numbers.ts";
import { ErrorReply, type Reply } from "../reply.ts";
import { pushReply, pushSingleField } from "./convert.ts";
import { type LuaState, lua, toText } from "./fengari.ts";
import { LuaRaise, luaFunction } from "./functions.ts";

export interface RedisApiHost {
  /** Runs a command for the running script (read-only checks included). */
  call(argv: readonly string[]): Reply;
}

const LOG_LEVELS = ["LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING"] as const;

function raiseError(message: string): never {
  throw new LuaRaise((L) => pushSingleField(L, "err", message), message);
}

function stringArg(L: LuaState, index: number): string | undefined {
  return lua.lua_type(L, index) === lua.LUA_TSTRING
    ? toText(lua.lua_tostring(L, index) ?? new Uint8Array())
    : undefined;
}

/** Command arguments: strings as they are, numbers as Redis 7.0 prints them (%.17g). */
function commandArgs(L: LuaState): string[] | ErrorReply {
  const count = lua.lua_gettop(L);
  if (count === 0)
    return new ErrorReply("ERR Please specify at least one argument for this redis lib call");
  const argv: string[] = [];
  for (let i = 1; i <= count; i++) {
    const type = lua.lua_type(L, i);
    if (type === lua.LUA_TNUMBER) argv.push(formatG17(lua.lua_tonumber(L, i)));
    else if (type === lua.LUA_TSTRING) argv.push(stringArg(L, i) ?? "");
    else return new ErrorReply("ERR Lua redis lib command arguments must be strings or integers");
  }
  return argv;
}

function callFunction(host: RedisApiHost, raise: boolean) {
  return luaFunction((L) => {
    const argv = commandArgs(L);
    const reply = argv instanceof ErrorReply ? argv : host.call(argv);
    if (reply instanceof ErrorReply && raise) raiseError(reply.message);
    lua.lua_settop(L, 0);
    pushReply(L, reply);
    return 1;
  });
}

function setFunction(L: LuaState, name: string, fn: (L: LuaState) => number): void {
  lua.lua_pushjsfunction(L, luaFunction(fn));
  lua.lua_setfield(L, -2, name);
}

function setNumber(L: LuaState, name: string, value: number): void {
  lua.lua_pushnumber(L, value);
  lua.lua_setfield(L, -2, name);
}

/** Pushes the `redis` table. */
export function pushRedisApi(L: LuaState, host: RedisApiHost): void {
  lua.lua_createtable(L, 0, 24);
  lua.lua_pushjsfunction(L, callFunction(host, true));
  lua.lua_setfield(L, -2, "call");
  lua.lua_pushjsfunction(L, callFunction(host, false));
  lua.lua_setfield(L, -2, "pcall");
  setFunction(L, "error_reply", (state) => {
    const message = lua.lua_gettop(state) === 1 ? stringArg(state, 1) : undefined;
    // Redis stores the message without the RESP '-' marker.
    pushSingleField(
      state,
      "err",
      message?.replace(/^-/, "") ?? "ERR wrong number or type of arguments",
    );
    return 1;
  });
  setFunction(L, "status_reply", (state) => {
    const message = lua.lua_gettop(state) === 1 ? stringArg(state, 1) : undefined;
    if (message === undefined)
      pushSingleField(state, "err", "ERR wrong number or type of arguments");
    else pushSingleField(state, "ok", message);
    return 1;
  });
  setFunction(L, "sha1hex", (state) => {
    const text = lua.lua_gettop(state) === 1 ? stringArg(state, 1) : undefined;
    if (text === undefined) raiseError("ERR wrong number of arguments");
    lua.lua_pushstring(state, sha1Hex(text));
    return 1;
  });
  setFunction(L, "log", (state) => {
    if (lua.lua_gettop(state) < 2) raiseError("ERR redis.log() requires two arguments or more.");
    if (lua.lua_type(state, 1) !== lua.LUA_TNUMBER)
      raiseError("ERR First argument must be a number (log level).");
    const level = lua.lua_tonumber(state, 1);
    const parts: string[] = [];
    for (let i = 2; i <= lua.lua_gettop(state); i++) parts.push(stringArg(state, i) ?? "");
    // The server log of an embedded store is the process' stderr; only warnings go there.
    if (level >= 3) console.warn(`[redis.log] ${parts.join(" ")}`);
    return 0;
  });
  setFunction(L, "setresp", (state) => {
    if (lua.lua_tonumber(state, 1) !== 2)
      raiseError("ERR RESP3 is not supported by the embedded Redis");
    return 0;
  });
  setFunction(L, "set_repl", () => 0);
  setFunction(L, "replicate_commands", (state) => {
    lua.lua_pushboolean(state, true);
    return 1;
  });
  setFunction(L, "breakpoint", (state) => {
    lua.lua_pushboolean(state, false);
    return 1;
  });
  setFunction(L, "debug", () => 0);
  LOG_LEVELS.forEach((name, level) => {
    setNumber(L, name, level);
  });
  setNumber(L, "REPL_NONE", 0);
  setNumber(L, "REPL_AOF", 1);
  setNumber(L, "REPL_SLAVE", 2);
  setNumber(L, "REPL_REPLICA", 2);
  setNumber(L, "REPL_ALL", 3);
  lua.lua_pushstring(L, "7.0.0");
  lua.lua_setfield(L, -2, "REDIS_VERSION");
  setNumber(L, "REDIS_VERSION_NUM", 0x070000);
}
