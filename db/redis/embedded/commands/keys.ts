/** Generic key commands: https://redis.io/docs/latest/commands/?group=generic */
import { type CommandContext, command } from "../command-table.ts";
import { globMatcher } from "../glob.ts";
import { integerArg } from "../numbers.ts";
import { errors, OK, RedisError, type Reply, StatusReply } from "../reply.ts";
import { absoluteExpiry, type ExpiryUnit } from "./expiry.ts";

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with Redis 7's NX | XX | GT | LT conditions
 * (expire.c expireGenericCommand). A persistent key counts as an infinite TTL for GT/LT.
 */
function expire(unit: ExpiryUnit, name: string) {
  return (ctx: CommandContext, [key = "", amount = "", ...options]: readonly string[]): Reply => {
    const flags = new Set(options.map((option) => option.toUpperCase()));
    for (const flag of flags) if (!["NX", "XX", "GT", "LT"].includes(flag)) throw errors.syntax();
    if (flags.has("NX") && (flags.has("XX") || flags.has("GT") || flags.has("LT"))) {
      throw new RedisError("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if (flags.has("GT") && flags.has("LT")) {
      throw new RedisError("ERR GT and LT options at the same time are not compatible");
    }
    const at = absoluteExpiry(unit, amount, ctx.keyspace.now(), name, true);
    if (ctx.keyspace.get(key) === undefined) return 0;
    const current = ctx.keyspace.expiresAt(key);
    if (flags.has("NX") && current !== undefined) return 0;
    if (flags.has("XX") && current === undefined) return 0;
    if (flags.has("GT") && (current === undefined || at <= current)) return 0;
    if (flags.has("LT") && current !== undefined && at >= current) return 0;
    ctx.keyspace.setExpiry(key, at);
    return 1;
  };
}

function timeToLive(inMs: boolean) {
  return (ctx: CommandContext, [key = ""]: readonly string[]): Reply => {
    if (ctx.keyspace.get(key) === undefined) return -2;
    const at = ctx.keyspace.expiresAt(key);
    if (at === undefined) return -1;
    const left = Math.max(0, at - ctx.keyspace.now());
    return inMs ? left : Math.floor((left + 500) / 1000);
  };
}

function expireTime(inMs: boolean) {
  return (ctx: CommandContext, [key = ""]: readonly string[]): Reply => {
    if (ctx.keyspace.get(key) === undefined) return -2;
    const at = ctx.keyspace.expiresAt(key);
    if (at === undefined) return -1;
    return inMs ? at : Math.floor(at / 1000);
  };
}

function deleteKeys(ctx: CommandContext, keys: readonly string[]): Reply {
  let removed = 0;
  for (const key of keys) if (ctx.keyspace.delete(key)) removed++;
  return removed;
}

/**
 * SCAN with cursors that are creation ids: keys present for the whole iteration are always
 * returned, as Redis guarantees (https://redis.io/docs/latest/commands/scan/#scan-guarantees).
 */
function scan(ctx: CommandContext, [cursorText = "", ...options]: readonly string[]): Reply {
  if (!/^[0-9]+$/.test(cursorText)) throw new RedisError("ERR invalid cursor");
  let match: ((key: string) => boolean) | undefined;
  let type: string | undefined;
  let count = 10;
  for (let i = 0; i < options.length; i += 2) {
    const option = (options[i] ?? "").toUpperCase();
    const value = options[i + 1];
    if (value === undefined) throw errors.syntax();
    if (option === "MATCH") match = globMatcher(value);
    else if (option === "TYPE") type = value.toLowerCase();
    else if (option === "COUNT") {
      count = integerArg(value);
      if (count < 1) throw errors.syntax();
    } else throw errors.syntax();
  }
  const keys: string[] = [];
  let examined = 0;
  let next = "0";
  for (const entry of ctx.keyspace.keysAfter(Number(cursorText))) {
    if ((!match || match(entry.key)) && (!type || entry.value.type === type)) keys.push(entry.key);
    if (++examined >= count) {
      next = String(entry.id);
      break;
    }
  }
  return [next, keys];
}

function rename(ctx: CommandContext, from: string, to: string, onlyIfAbsent: boolean): Reply {
  const value = ctx.keyspace.get(from);
  if (value === undefined) throw errors.noSuchKey();
  if (onlyIfAbsent && ctx.keyspace.get(to) !== undefined) return 0;
  if (from === to) return onlyIfAbsent ? 0 : OK;
  const expiresAt = ctx.keyspace.expiresAt(from);
  ctx.keyspace.delete(from);
  ctx.keyspace.delete(to);
  ctx.keyspace.put(to, value, expiresAt);
  return onlyIfAbsent ? 1 : OK;
}

function flush(ctx: CommandContext, args: readonly string[]): Reply {
  const mode = args[0]?.toUpperCase();
  if (args.length > 1 || (mode !== undefined && mode !== "ASYNC" && mode !== "SYNC")) {
    throw errors.syntax();
  }
  ctx.keyspace.flush();
  return OK;
}

export const keyCommands = [
  command("del", -2, ["write"], deleteKeys),
  command("unlink", -2, ["write"], deleteKeys),
  command(
    "exists",
    -2,
    [],
    (ctx, keys) => keys.filter((key) => ctx.keyspace.get(key) !== undefined).length,
  ),
  command("expire", -3, ["write"], expire("EX", "expire")),
  command("pexpire", -3, ["write"], expire("PX", "pexpire")),
  command("expireat", -3, ["write"], expire("EXAT", "expireat")),
  command("pexpireat", -3, ["write"], expire("PXAT", "pexpireat")),
  command("ttl", 2, [], timeToLive(false)),
  command("pttl", 2, [], timeToLive(true)),
  command("expiretime", 2, [], expireTime(false)),
  command("pexpiretime", 2, [], expireTime(true)),
  command("persist", 2, ["write"], (ctx, [key = ""]) => {
    if (ctx.keyspace.expiresAt(key) === undefined) return 0;
    ctx.keyspace.setExpiry(key, undefined);
    return 1;
  }),
  command(
    "type",
    2,
    [],
    (ctx, [key = ""]) => new StatusReply(ctx.keyspace.get(key)?.type ?? "none"),
  ),
  command("keys", 2, [], (ctx, [pattern = ""]) => {
    const matches = globMatcher(pattern);
    const keys: string[] = [];
    for (const entry of ctx.keyspace.keysAfter(0)) if (matches(entry.key)) keys.push(entry.key);
    return keys;
  }),
  command("scan", -2, [], scan),
  command("rename", 3, ["write"], (ctx, [from = "", to = ""]) => rename(ctx, from, to, false)),
  command("renamenx", 3, ["write"], (ctx, [from = "", to = ""]) => rename(ctx, from, to, true)),
  command("dbsize", 1, [], (ctx) => ctx.keyspace.size),
  command("flushdb", -1, ["write"], flush),
  command("flushall", -1, ["write"], flush),
];
