/** String commands: https://redis.io/docs/latest/commands/?group=string */
import { type CommandContext, command } from "../command-table.ts";
import {
  addLongDouble,
  formatLongDouble,
  isFiniteLongDouble,
  parseLongDouble,
} from "../long-double.ts";
import { isInt64, parseInt64 } from "../numbers.ts";
import { errors, OK, type Reply } from "../reply.ts";
import { absoluteExpiry, expiryUnit } from "./expiry.ts";

function getString(ctx: CommandContext, key: string): string | undefined {
  return ctx.keyspace.read(key, "string");
}

/** SET's option grammar (t_string.c parseExtendedStringArgumentsOrReply). */
interface SetOptions {
  condition: "NX" | "XX" | undefined;
  get: boolean;
  keepTtl: boolean;
  expiresAt: number | undefined;
}

function parseSetOptions(ctx: CommandContext, options: readonly string[]): SetOptions {
  const parsed: SetOptions = {
    condition: undefined,
    get: false,
    keepTtl: false,
    expiresAt: undefined,
  };
  let hasExpiry = false;
  for (let i = 0; i < options.length; i++) {
    const option = (options[i] ?? "").toUpperCase();
    const unit = expiryUnit(option);
    if (
      (option === "NX" || option === "XX") &&
      parsed.condition !== (option === "NX" ? "XX" : "NX")
    ) {
      parsed.condition = option;
    } else if (option === "GET") {
      parsed.get = true;
    } else if (option === "KEEPTTL" && !hasExpiry) {
      parsed.keepTtl = true;
      hasExpiry = true;
    } else if (unit && !hasExpiry && i + 1 < options.length) {
      parsed.expiresAt = absoluteExpiry(unit, options[++i] ?? "", ctx.keyspace.now(), "set");
      hasExpiry = true;
    } else {
      throw errors.syntax();
    }
  }
  return parsed;
}

function set(ctx: CommandContext, [key = "", value = "", ...rest]: readonly string[]): Reply {
  const options = parseSetOptions(ctx, rest);
  const previous = options.get ? (getString(ctx, key) ?? null) : null;
  const exists = ctx.keyspace.get(key) !== undefined;
  if ((options.condition === "NX" && exists) || (options.condition === "XX" && !exists)) {
    return options.get ? previous : null;
  }
  if (options.keepTtl) ctx.keyspace.setString(key, value, true);
  else ctx.keyspace.put(key, { type: "string", data: value }, options.expiresAt);
  return options.get ? previous : OK;
}

function incrementBy(ctx: CommandContext, key: string, delta: bigint): Reply {
  const current = getString(ctx, key);
  const value = current === undefined ? 0n : parseInt64(current);
  if (value === undefined) throw errors.notInteger();
  const next = value + delta;
  if (!isInt64(next)) throw errors.overflow();
  ctx.keyspace.setString(key, next.toString(), true);
  return Number(next);
}

function deltaArg(text: string): bigint {
  const delta = parseInt64(text);
  if (delta === undefined) throw errors.notInteger();
  return delta;
}

/** INCRBYFLOAT and HINCRBYFLOAT share Redis' long double arithmetic. */
export function addFloatStrings(
  current: string,
  increment: string,
  badCurrent: () => Error,
): string {
  const delta = parseLongDouble(increment);
  if (delta === undefined) throw errors.notFloat();
  const base = parseLongDouble(current);
  if (base === undefined) throw badCurrent();
  const sum = addLongDouble(base, delta);
  if (!isFiniteLongDouble(sum) || !isFiniteLongDouble(base) || !isFiniteLongDouble(delta)) {
    throw errors.nanOrInfinity();
  }
  return formatLongDouble(sum);
}

/** STRLEN and APPEND count bytes, and Redis strings are UTF-8 bytes here. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

export const stringCommands = [
  command("get", 2, [], (ctx, [key = ""]) => getString(ctx, key) ?? null),
  command("set", -3, ["write"], set),
  command("setnx", 3, ["write"], (ctx, [key = "", value = ""]) => {
    if (ctx.keyspace.get(key) !== undefined) return 0;
    ctx.keyspace.setString(key, value);
    return 1;
  }),
  command("setex", 4, ["write"], (ctx, [key = "", seconds = "", value = ""]) => {
    const at = absoluteExpiry("EX", seconds, ctx.keyspace.now(), "setex");
    ctx.keyspace.put(key, { type: "string", data: value }, at);
    return OK;
  }),
  command("psetex", 4, ["write"], (ctx, [key = "", ms = "", value = ""]) => {
    const at = absoluteExpiry("PX", ms, ctx.keyspace.now(), "psetex");
    ctx.keyspace.put(key, { type: "string", data: value }, at);
    return OK;
  }),
  command("getset", 3, ["write"], (ctx, [key = "", value = ""]) => {
    const previous = getString(ctx, key) ?? null;
    ctx.keyspace.setString(key, value);
    return previous;
  }),
  command("getdel", 2, ["write"], (ctx, [key = ""]) => {
    const value = getString(ctx, key);
    if (value === undefined) return null;
    ctx.keyspace.delete(key);
    return value;
  }),
  command("getex", -2, ["write"], (ctx, [key = "", option, amount, ...extra]) => {
    const upper = option?.toUpperCase();
    const unit = upper === undefined ? undefined : expiryUnit(upper);
    const persist = upper === "PERSIST" && amount === undefined;
    const valid = upper === undefined || persist || (unit !== undefined && amount !== undefined);
    if (!valid || extra.length > 0) throw errors.syntax();
    const at = unit ? absoluteExpiry(unit, amount ?? "", ctx.keyspace.now(), "getex") : undefined;
    const value = getString(ctx, key);
    if (value === undefined) return null;
    if (unit || persist) ctx.keyspace.setExpiry(key, at);
    return value;
  }),
  command("mget", -2, [], (ctx, keys) =>
    keys.map((key) => {
      const value = ctx.keyspace.get(key);
      return value?.type === "string" ? value.data : null;
    }),
  ),
  command("mset", -3, ["write"], (ctx, args) => {
    if (args.length % 2 !== 0) throw errors.wrongArity("mset");
    for (let i = 0; i < args.length; i += 2)
      ctx.keyspace.setString(args[i] ?? "", args[i + 1] ?? "");
    return OK;
  }),
  command("msetnx", -3, ["write"], (ctx, args) => {
    if (args.length % 2 !== 0) throw errors.wrongArity("msetnx");
    for (let i = 0; i < args.length; i += 2) {
      if (ctx.keyspace.get(args[i] ?? "") !== undefined) return 0;
    }
    for (let i = 0; i < args.length; i += 2)
      ctx.keyspace.setString(args[i] ?? "", args[i + 1] ?? "");
    return 1;
  }),
  command("incr", 2, ["write"], (ctx, [key = ""]) => incrementBy(ctx, key, 1n)),
  command("decr", 2, ["write"], (ctx, [key = ""]) => incrementBy(ctx, key, -1n)),
  command("incrby", 3, ["write"], (ctx, [key = "", by = ""]) =>
    incrementBy(ctx, key, deltaArg(by)),
  ),
  command("decrby", 3, ["write"], (ctx, [key = "", by = ""]) =>
    incrementBy(ctx, key, -deltaArg(by)),
  ),
  command("incrbyfloat", 3, ["write"], (ctx, [key = "", by = ""]) => {
    const next = addFloatStrings(getString(ctx, key) ?? "0", by, errors.notFloat);
    ctx.keyspace.setString(key, next, true);
    return next;
  }),
  command("append", 3, ["write"], (ctx, [key = "", suffix = ""]) => {
    const next = (getString(ctx, key) ?? "") + suffix;
    ctx.keyspace.setString(key, next, true);
    return utf8Length(next);
  }),
  command("strlen", 2, [], (ctx, [key = ""]) => utf8Length(getString(ctx, key) ?? "")),
];
