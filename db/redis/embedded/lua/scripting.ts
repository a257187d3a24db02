/**
 * EVAL for the embedded engine: compiles scripts once per SHA1, runs them atomically in one
 * shared sandboxed Lua state, and reports errors in Redis 7.0's format, e.g.
 * "ERR value is not an integer or out of range script: <sha>, on @user_script:1."
 */
import { parseScript, REDIS_SCRIPT_FLAGS, UPSTASH_SCRIPT_FLAGS } from "../../lua-shebang.ts";
import { sha1Hex } from "../../sha1.ts";
import type { Scripting, ScriptRequest } from "../command-table.ts";
import { DECLINE, type NativeHost, type NativeScript, NativeScriptError } from "../native/twin.ts";
import { formatG17 } from "../numbers.ts";
import { ErrorReply, RedisError, type Reply } from "../reply.ts";
import { toReply } from "./convert.ts";
import { type LuaState, lauxlib, lua, to_luastring, toText } from "./fengari.ts";
import { lua51RuntimeMessage, lua51SyntaxMessage } from "./lua51-messages.ts";
import { toLua51Source } from "./numerals.ts";
import { createSandbox, pushStringArray, setGlobalRaw } from "./sandbox.ts";

const KNOWN_FLAGS = [...REDIS_SCRIPT_FLAGS, ...UPSTASH_SCRIPT_FLAGS];
/** How often (in VM instructions) the time limit is checked. */
const HOOK_INTERVAL = 10_000;

interface CompiledScript {
  readonly ref: number;
  readonly noWrites: boolean;
  /** The script's JavaScript twin, run instead of the VM (see ../native/twin.ts). */
  readonly native: NativeScript | undefined;
}

export interface ScriptRun {
  readonly readOnly: boolean;
}

export interface LuaScriptingOptions {
  /** Runs a command issued by the script. */
  readonly dispatch: (argv: readonly string[], run: ScriptRun) => Reply;
  /** Runs fn without letting keys expire under it (Redis freezes time during a script). */
  readonly atomically: <T>(fn: () => T) => T;
  /**
   * A script running longer is aborted. Redis would block until SCRIPT KILL, but nothing
   * else can run in this thread to send one, so the embedded engine stops it instead.
   */
  readonly timeLimitMs: number;
  /** Native twins by the SHA1 of the Lua they replace; none means every script runs in Lua. */
  readonly natives?: ReadonlyMap<string, NativeScript>;
}

export class LuaScripting implements Scripting {
  private readonly L: LuaState;
  private readonly scripts = new Map<string, CompiledScript>();
  private running: { sha: string; run: ScriptRun } | undefined;
  private readonly errorHandler: number;

  constructor(private readonly options: LuaScriptingOptions) {
    this.L = createSandbox({
      call: (argv) => {
        if (!this.running) return new ErrorReply("ERR redis.call outside of a script");
        return this.options.dispatch(argv, this.running.run);
      },
    });
    lua.lua_pushjsfunction(this.L, (L) => this.formatError(L));
    this.errorHandler = lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
  }

  evaluate(request: ScriptRequest): Reply {
    let sha = request.sha;
    if (request.body !== undefined) sha = this.load(request.body);
    const script = sha === undefined ? undefined : this.scripts.get(sha);
    if (sha === undefined || !script) {
      return new ErrorReply("NOSCRIPT No matching script. Please use EVAL.");
    }
    const readOnly = request.readOnly || script.noWrites;
    return this.options.atomically(() => {
      if (script.native) {
        const reply = this.runNative(sha, script.native, request.keys, request.args, readOnly);
        if (reply !== DECLINE) return reply;
      }
      return this.run(sha, script, request.keys, request.args, readOnly);
    });
  }

  /** Compiles and caches a script; returns its SHA1 (of the text as sent, shebang included). */
  load(body: string): string {
    const sha = sha1Hex(body);
    if (this.scripts.has(sha)) return sha;
    const parsed = parseScript(body, KNOWN_FLAGS);
    if (!parsed.ok) throw new RedisError(parsed.error);
    const L = this.L;
    const source = toLua51Source(parsed.body);
    if ("error" in source) {
      throw new RedisError(`ERR Error compiling script (new function): ${source.error}`);
    }
    const bytes = to_luastring(source.source);
    if (lauxlib.luaL_loadbufferx(L, bytes, bytes.length, "@user_script", "t") !== lua.LUA_OK) {
      const message = lua51SyntaxMessage(toText(lua.lua_tostring(L, -1) ?? new Uint8Array()));
      lua.lua_settop(L, 0);
      throw new RedisError(`ERR Error compiling script (new function): ${message}`);
    }
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    // Compiled even when a twin exists: the twin may decline, and then the Lua runs.
    this.scripts.set(sha, {
      ref,
      noWrites: parsed.flags.includes("no-writes"),
      native: this.options.natives?.get(sha),
    });
    return sha;
  }

  exists(sha: string): boolean {
    return this.scripts.has(sha);
  }

  flush(): void {
    for (const script of this.scripts.values()) {
      lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, script.ref);
    }
    this.scripts.clear();
  }

  private run(
    sha: string,
    script: CompiledScript,
    keys: readonly string[],
    args: readonly string[],
    readOnly: boolean,
  ): Reply {
    const L = this.L;
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.errorHandler);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, script.ref);
    setGlobalRaw(L, "KEYS", () => pushStringArray(L, keys));
    setGlobalRaw(L, "ARGV", () => pushStringArray(L, args));
    const deadline = Date.now() + this.options.timeLimitMs;
    lua.lua_sethook(
      L,
      (state) => {
        if (Date.now() <= deadline) return;
        lua.lua_pushstring(state, `Script exceeded the ${this.options.timeLimitMs} ms time limit`);
        lua.lua_error(state);
      },
      lua.LUA_MASKCOUNT,
      HOOK_INTERVAL,
    );
    this.running = { sha, run: { readOnly } };
    try {
      const status = lua.lua_pcall(L, 0, 1, 1);
      if (status !== lua.LUA_OK) {
        // Error replies are one line in RESP (networking.c replaces CR/LF with spaces).
        const message = toText(lua.lua_tostring(L, -1) ?? new Uint8Array());
        return new ErrorReply(message.replace(/[\r\n]+/g, " "));
      }
      return toReply(L, -1);
    } finally {
      this.running = undefined;
      lua.lua_sethook(L, null, 0, 0);
      lua.lua_settop(L, 0);
    }
  }

  /** A twin's run: its redis.call errors end it the way a Lua error ends the script. */
  private runNative(
    sha: string,
    native: NativeScript,
    keys: readonly string[],
    args: readonly string[],
    readOnly: boolean,
  ): Reply | typeof DECLINE {
    const run: ScriptRun = { readOnly };
    const position = (line: number) => ` script: ${sha}, on @user_script:${line}.`;
    const host: NativeHost = {
      call: (line, ...argv) => {
        const strings = argv.map((arg) => (typeof arg === "number" ? formatG17(arg) : arg));
        const reply = this.options.dispatch(strings, run);
        if (reply instanceof ErrorReply)
          throw new NativeScriptError(reply.message + position(line));
        return reply;
      },
      toNumber: (text) => this.toNumber(text),
      timeLimit: (line) =>
        new NativeScriptError(
          `ERR Script exceeded the ${this.options.timeLimitMs} ms time limit${position(line)}`,
        ),
    };
    try {
      return native.run(host, keys, args);
    } catch (error) {
      if (!(error instanceof NativeScriptError)) throw error;
      return new ErrorReply(error.message.replace(/[\r\n]+/g, " "));
    }
  }

  /** The sandbox's tonumber(text): fengari's reader, then + 0.0; undefined for nil. */
  private toNumber(text: string): number | undefined {
    const L = this.L;
    const bytes = to_luastring(text);
    const size = lua.lua_stringtonumber(L, bytes);
    if (size === 0) return undefined;
    const value = lua.lua_tonumber(L, -1);
    lua.lua_pop(L, 1);
    return size === bytes.length + 1 ? value + 0 : undefined;
  }

  /**
   * The message handler Redis 7.0 installs (__redis__err__handler): table errors carry their
   * own message ({err=...}, from redis.call), any other error becomes "ERR <message>"; then
   * the script's SHA and the line being run are appended.
   */
  private formatError(L: LuaState): number {
    let message: string;
    if (lua.lua_type(L, 1) === lua.LUA_TTABLE) {
      lua.lua_getfield(L, 1, "err");
      message = toText(lua.lua_tostring(L, -1) ?? new Uint8Array());
      lua.lua_pop(L, 1);
    } else {
      const text = lua.lua_tostring(L, 1);
      message = `ERR ${text ? lua51RuntimeMessage(toText(text)) : "execution failure"}`;
    }
    const line = this.errorLine(L);
    const sha = this.running?.sha ?? "";
    lua.lua_pushstring(
      L,
      line === undefined ? message : `${message} script: ${sha}, on @user_script:${line}.`,
    );
    return 1;
  }

  /**
   * The script line being run when the error was raised. Redis takes the erroring frame, or
   * its caller when that is a C function (error, redis.call); here the sandbox's helpers are
   * Lua, so the nearest frame of the user script is taken instead.
   */
  private errorLine(L: LuaState): number | undefined {
    for (let level = 1; level <= 4; level++) {
      const ar = new lua.lua_Debug();
      if (!lua.lua_getstack(L, level, ar)) return undefined;
      lua.lua_getinfo(L, "Sl", ar);
      const source = ar.source ? toText(ar.source) : "";
      if (source === "@user_script") return ar.currentline > 0 ? ar.currentline : undefined;
    }
    return undefined;
  }
}
