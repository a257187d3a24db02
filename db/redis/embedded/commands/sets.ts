/** Set commands: https://redis.io/docs/latest/commands/?group=set */
import { type CommandContext, command } from "../command-table.ts";

function readSet(ctx: CommandContext, key: string): Set<string> | undefined {
  return ctx.keyspace.read(key, "set");
}

export const setCommands = [
  command("sadd", -3, ["write"], (ctx, [key = "", ...members]) => {
    const set = ctx.keyspace.write(key, "set", () => new Set());
    const before = set.size;
    for (const member of members) set.add(member);
    return set.size - before;
  }),
  command("srem", -3, ["write"], (ctx, [key = "", ...members]) => {
    const set = readSet(ctx, key);
    if (!set) return 0;
    let removed = 0;
    for (const member of members) if (set.delete(member)) removed++;
    ctx.keyspace.deleteIfEmpty(key);
    return removed;
  }),
  // Redis replies in hash order, which clients must not rely on; insertion order here.
  command("smembers", 2, [], (ctx, [key = ""]) => [...(readSet(ctx, key) ?? [])]),
  command("sismember", 3, [], (ctx, [key = "", member = ""]) =>
    readSet(ctx, key)?.has(member) ? 1 : 0,
  ),
  command("smismember", -3, [], (ctx, [key = "", ...members]) => {
    const set = readSet(ctx, key);
    return members.map((member) => (set?.has(member) ? 1 : 0));
  }),
  command("scard", 2, [], (ctx, [key = ""]) => readSet(ctx, key)?.size ?? 0),
];
