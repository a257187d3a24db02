/** Hash commands: https://redis.io/docs/latest/commands/?group=hash */
import { type CommandContext, command } from "../command-table.ts";
import { isInt64, parseInt64 } from "../numbers.ts";
import { errors, OK, RedisError, type Reply } from "../reply.ts";
import { addFloatStrings, utf8Length } from "./strings.ts";

function readHash(ctx: CommandContext, key: string): Map<string, string> | undefined {
  return ctx.keyspace.read(key, "hash");
}

function writeHash(ctx: CommandContext, key: string): Map<string, string> {
  return ctx.keyspace.write(key, "hash", () => new Map());
}

/** HSET and HMSET: field/value pairs, replying with how many fields were new. */
function setFields(
  ctx: CommandContext,
  name: string,
  [key = "", ...pairs]: readonly string[],
): number {
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw errors.wrongArity(name);
  const hash = writeHash(ctx, key);
  let added = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const field = pairs[i] ?? "";
    if (!hash.has(field)) added++;
    hash.set(field, pairs[i + 1] ?? "");
  }
  return added;
}

function incrementField(
  ctx: CommandContext,
  [key = "", field = "", by = ""]: readonly string[],
): Reply {
  const delta = parseInt64(by);
  if (delta === undefined) throw errors.notInteger();
  const current = readHash(ctx, key)?.get(field);
  const value = current === undefined ? 0n : parseInt64(current);
  if (value === undefined) throw new RedisError("ERR hash value is not an integer");
  const next = value + delta;
  if (!isInt64(next)) throw errors.overflow();
  writeHash(ctx, key).set(field, next.toString());
  return Number(next);
}

export const hashCommands = [
  command("hset", -4, ["write"], (ctx, args) => setFields(ctx, "hset", args)),
  command("hmset", -4, ["write"], (ctx, args) => {
    setFields(ctx, "hmset", args);
    return OK;
  }),
  command("hsetnx", 4, ["write"], (ctx, [key = "", field = "", value = ""]) => {
    const hash = writeHash(ctx, key);
    if (hash.has(field)) return 0;
    hash.set(field, value);
    return 1;
  }),
  command("hget", 3, [], (ctx, [key = "", field = ""]) => readHash(ctx, key)?.get(field) ?? null),
  command("hmget", -3, [], (ctx, [key = "", ...fields]) => {
    const hash = readHash(ctx, key);
    return fields.map((field) => hash?.get(field) ?? null);
  }),
  // Flattened [field, value, ...] in insertion order, as Redis' listpack-encoded hashes reply.
  command("hgetall", 2, [], (ctx, [key = ""]) => [...(readHash(ctx, key) ?? [])].flat()),
  command("hdel", -3, ["write"], (ctx, [key = "", ...fields]) => {
    const hash = readHash(ctx, key);
    if (!hash) return 0;
    let removed = 0;
    for (const field of fields) if (hash.delete(field)) removed++;
    ctx.keyspace.deleteIfEmpty(key);
    return removed;
  }),
  command("hincrby", 4, ["write"], incrementField),
  command("hincrbyfloat", 4, ["write"], (ctx, [key = "", field = "", by = ""]) => {
    const current = readHash(ctx, key)?.get(field) ?? "0";
    const next = addFloatStrings(
      current,
      by,
      () => new RedisError("ERR hash value is not a float"),
    );
    writeHash(ctx, key).set(field, next);
    return next;
  }),
  command("hexists", 3, [], (ctx, [key = "", field = ""]) =>
    readHash(ctx, key)?.has(field) ? 1 : 0,
  ),
  command("hlen", 2, [], (ctx, [key = ""]) => readHash(ctx, key)?.size ?? 0),
  command("hkeys", 2, [], (ctx, [key = ""]) => [...(readHash(ctx, key)?.keys() ?? [])]),
  command("hvals", 2, [], (ctx, [key = ""]) => [...(readHash(ctx, key)?.values() ?? [])]),
  command("hstrlen", 3, [], (ctx, [key = "", field = ""]) =>
    utf8Length(readHash(ctx, key)?.get(field) ?? ""),
  ),
];
