/** List commands: https://redis.io/docs/latest/commands/?group=list */
import { type CommandContext, command } from "../command-table.ts";
import { integerArg } from "../numbers.ts";
import { errors, OK, type Reply } from "../reply.ts";

function readList(ctx: CommandContext, key: string): string[] | undefined {
  return ctx.keyspace.read(key, "list");
}

function push(left: boolean, onlyIfExists: boolean) {
  return (ctx: CommandContext, [key = "", ...values]: readonly string[]): Reply => {
    if (onlyIfExists && !readList(ctx, key)) return 0;
    const list = ctx.keyspace.write(key, "list", () => []);
    // LPUSH a b c leaves c at the head: each value is pushed in turn.
    if (left) list.unshift(...values.slice().reverse());
    else for (const value of values) list.push(value);
    return list.length;
  };
}

/** LPOP/RPOP key [count] (Redis 6.2+): with a count the reply is an array, nil if no key. */
function pop(left: boolean) {
  return (ctx: CommandContext, [key = "", countText, ...extra]: readonly string[]): Reply => {
    if (extra.length > 0) throw errors.syntax();
    const count = countText === undefined ? undefined : integerArg(countText);
    if (count !== undefined && count < 0) throw errors.outOfRangePositive();
    const list = readList(ctx, key);
    if (!list) return null;
    if (count === 0) return [];
    const taken = left ? list.splice(0, count ?? 1) : list.splice(-(count ?? 1)).reverse();
    ctx.keyspace.deleteIfEmpty(key);
    return count === undefined ? (taken[0] ?? null) : taken;
  };
}

/** Negative indexes count from the tail; the range is clamped like Redis' listTypeRange. */
function clamp(start: number, stop: number, length: number): [number, number] | undefined {
  let from = start < 0 ? length + start : start;
  let to = stop < 0 ? length + stop : stop;
  if (from < 0) from = 0;
  if (from > to || from >= length) return undefined;
  if (to >= length) to = length - 1;
  return [from, to];
}

/** In place, without spreading (a spread of a long list overflows the call stack). */
function replaceContents(list: string[], kept: readonly string[]): void {
  list.length = 0;
  for (const value of kept) list.push(value);
}

export const listCommands = [
  command("lpush", -3, ["write"], push(true, false)),
  command("rpush", -3, ["write"], push(false, false)),
  command("lpushx", -3, ["write"], push(true, true)),
  command("rpushx", -3, ["write"], push(false, true)),
  command("lpop", -2, ["write"], pop(true)),
  command("rpop", -2, ["write"], pop(false)),
  command("llen", 2, [], (ctx, [key = ""]) => readList(ctx, key)?.length ?? 0),
  command("lrange", 4, [], (ctx, [key = "", start = "", stop = ""]) => {
    const from = integerArg(start);
    const to = integerArg(stop);
    const list = readList(ctx, key) ?? [];
    const range = clamp(from, to, list.length);
    return range ? list.slice(range[0], range[1] + 1) : [];
  }),
  command("lindex", 3, [], (ctx, [key = "", indexText = ""]) => {
    const index = integerArg(indexText);
    const list = readList(ctx, key);
    if (!list) return null;
    return list[index < 0 ? list.length + index : index] ?? null;
  }),
  command("ltrim", 4, ["write"], (ctx, [key = "", start = "", stop = ""]) => {
    const from = integerArg(start);
    const to = integerArg(stop);
    const list = readList(ctx, key);
    if (!list) return OK;
    const range = clamp(from, to, list.length);
    const kept = range ? list.slice(range[0], range[1] + 1) : [];
    replaceContents(list, kept);
    ctx.keyspace.deleteIfEmpty(key);
    return OK;
  }),
  command("lrem", 4, ["write"], (ctx, [key = "", countText = "", value = ""]) => {
    const count = integerArg(countText);
    const list = readList(ctx, key);
    if (!list) return 0;
    // count > 0 removes from the head, < 0 from the tail, 0 removes all (t_list.c lremCommand).
    const limit = count === 0 ? Infinity : Math.abs(count);
    let removed = 0;
    const indexes = list.map((_, i) => i);
    if (count < 0) indexes.reverse();
    const doomed = new Set<number>();
    for (const i of indexes) {
      if (removed >= limit) break;
      if (list[i] === value) {
        doomed.add(i);
        removed++;
      }
    }
    replaceContents(
      list,
      list.filter((_, i) => !doomed.has(i)),
    );
    ctx.keyspace.deleteIfEmpty(key);
    return removed;
  }),
];
