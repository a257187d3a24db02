/** Sorted set commands: https://redis.io/docs/latest/commands/?group=sorted-set */
import { type CommandContext, command } from "../command-table.ts";
import { doubleArg, formatScore, integerArg, parseDouble } from "../numbers.ts";
import { errors, RedisError, type Reply } from "../reply.ts";
import { type ScoredMember, type ScoreRange, SortedSet } from "../sorted-set.ts";

function readZset(ctx: CommandContext, key: string): SortedSet | undefined {
  return ctx.keyspace.read(key, "zset");
}

/** "1.5", "(1.5" (exclusive), "-inf", "+inf" (t_zset.c zslParseRange). */
function parseBound(text: string): { value: number; exclusive: boolean } {
  const exclusive = text.startsWith("(");
  const value = parseDouble(exclusive ? text.slice(1) : text);
  if (value === undefined) throw errors.minMaxNotFloat();
  return { value, exclusive };
}

function scoreRange(minText: string, maxText: string): ScoreRange {
  const min = parseBound(minText);
  const max = parseBound(maxText);
  return {
    min: min.value,
    minExclusive: min.exclusive,
    max: max.value,
    maxExclusive: max.exclusive,
  };
}

/** Redis' rank clamping (zrangeGenericCommand): negative ranks count from the end. */
function clampRanks(start: number, stop: number, length: number): [number, number] | undefined {
  let from = start < 0 ? length + start : start;
  let to = stop < 0 ? length + stop : stop;
  if (from < 0) from = 0;
  if (from > to || from >= length) return undefined;
  if (to >= length) to = length - 1;
  return [from, to];
}

function withScores(entries: readonly ScoredMember[], scores: boolean): Reply {
  if (!scores) return entries.map((entry) => entry.member);
  return entries.flatMap((entry) => [entry.member, formatScore(entry.score)]);
}

interface AddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

const ADD_FLAGS = new Set<string>(["nx", "xx", "gt", "lt", "ch", "incr"]);

function isAddFlag(option: string): option is keyof AddFlags {
  return ADD_FLAGS.has(option);
}

function zadd(ctx: CommandContext, [key = "", ...args]: readonly string[]): Reply {
  const flags: AddFlags = { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };
  let i = 0;
  for (; i < args.length; i++) {
    const option = (args[i] ?? "").toLowerCase();
    if (!isAddFlag(option)) break;
    flags[option] = true;
  }
  const pairs = args.slice(i);
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw errors.syntax();
  if (flags.nx && flags.xx) {
    throw new RedisError("ERR XX and NX options at the same time are not compatible");
  }
  if ((flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt)) {
    throw new RedisError("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (flags.incr && pairs.length > 2) {
    throw new RedisError("ERR INCR option supports a single increment-element pair");
  }
  const scores = pairs.filter((_, index) => index % 2 === 0).map(doubleArg);
  let zset = readZset(ctx, key);
  let changed = 0;
  let added = 0;
  let incremented: number | undefined;
  for (let p = 0; p < scores.length; p++) {
    const member = pairs[p * 2 + 1] ?? "";
    const current = zset?.score(member);
    let score = scores[p] ?? 0;
    if (current === undefined) {
      if (flags.xx) continue;
      zset ??= ctx.keyspace.write(key, "zset", () => new SortedSet());
      zset.set(member, score);
      added++;
      incremented = score;
      continue;
    }
    if (flags.nx) continue;
    if (flags.incr) {
      score = current + score;
      if (Number.isNaN(score)) throw new RedisError("ERR resulting score is not a number (NaN)");
    }
    if ((flags.gt && score <= current) || (flags.lt && score >= current)) continue;
    incremented = score;
    if (score !== current) {
      zset?.set(member, score);
      changed++;
    }
  }
  if (flags.incr) return incremented === undefined ? null : formatScore(incremented);
  return flags.ch ? added + changed : added;
}

interface RangeQuery {
  by: "rank" | "score";
  rev: boolean;
  limit: { offset: number; count: number } | undefined;
  scores: boolean;
}

function parseRangeOptions(
  options: readonly string[],
  by: RangeQuery["by"],
  rev: boolean,
): RangeQuery {
  const query: RangeQuery = { by, rev, limit: undefined, scores: false };
  for (let i = 0; i < options.length; i++) {
    const option = (options[i] ?? "").toUpperCase();
    if (option === "WITHSCORES") query.scores = true;
    else if (option === "BYSCORE") query.by = "score";
    else if (option === "REV") query.rev = true;
    else if (option === "LIMIT" && i + 2 < options.length) {
      query.limit = {
        offset: integerArg(options[i + 1] ?? ""),
        count: integerArg(options[i + 2] ?? ""),
      };
      i += 2;
    } else throw errors.syntax();
  }
  if (query.limit && query.by === "rank") {
    throw new RedisError(
      "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    );
  }
  return query;
}

/** ZRANGE and its older spellings; for REV with BYSCORE the bounds come max first. */
function range(
  ctx: CommandContext,
  key: string,
  start: string,
  stop: string,
  query: RangeQuery,
): Reply {
  const zset = readZset(ctx, key);
  if (query.by === "rank") {
    const from = integerArg(start);
    const to = integerArg(stop);
    if (!zset) return [];
    const ranks = clampRanks(from, to, zset.size);
    if (!ranks) return [];
    const [a, b] = query.rev ? [zset.size - 1 - ranks[1], zset.size - 1 - ranks[0]] : ranks;
    const entries = zset.byRank(a, b);
    return withScores(query.rev ? entries.reverse() : entries, query.scores);
  }
  const bounds = query.rev ? scoreRange(stop, start) : scoreRange(start, stop);
  if (!zset) return [];
  let entries = zset.byScore(bounds);
  if (query.rev) entries.reverse();
  if (query.limit) {
    const { offset, count } = query.limit;
    if (offset < 0) return [];
    entries = entries.slice(offset, count < 0 ? undefined : offset + count);
  }
  return withScores(entries, query.scores);
}

function rankArgs(ctx: CommandContext, key: string, start: string, stop: string) {
  const from = integerArg(start);
  const to = integerArg(stop);
  const zset = readZset(ctx, key);
  return zset ? { zset, ranks: clampRanks(from, to, zset.size) } : undefined;
}

export const sortedSetCommands = [
  command("zadd", -4, ["write"], zadd),
  command("zincrby", 4, ["write"], (ctx, [key = "", by = "", member = ""]) =>
    zadd(ctx, [key, "INCR", by, member]),
  ),
  command("zscore", 3, [], (ctx, [key = "", member = ""]) => {
    const score = readZset(ctx, key)?.score(member);
    return score === undefined ? null : formatScore(score);
  }),
  command("zcard", 2, [], (ctx, [key = ""]) => readZset(ctx, key)?.size ?? 0),
  command("zcount", 4, [], (ctx, [key = "", min = "", max = ""]) => {
    const bounds = scoreRange(min, max);
    return readZset(ctx, key)?.byScore(bounds).length ?? 0;
  }),
  command(
    "zrank",
    3,
    [],
    (ctx, [key = "", member = ""]) => readZset(ctx, key)?.rank(member) ?? null,
  ),
  command("zrevrank", 3, [], (ctx, [key = "", member = ""]) => {
    const zset = readZset(ctx, key);
    const rank = zset?.rank(member);
    return zset && rank !== undefined ? zset.size - 1 - rank : null;
  }),
  command("zrange", -4, [], (ctx, [key = "", start = "", stop = "", ...options]) =>
    range(ctx, key, start, stop, parseRangeOptions(options, "rank", false)),
  ),
  command("zrevrange", -4, [], (ctx, [key = "", start = "", stop = "", ...options]) => {
    if (options.length > 1 || (options[0] && options[0].toUpperCase() !== "WITHSCORES")) {
      throw errors.syntax();
    }
    return range(ctx, key, start, stop, parseRangeOptions(options, "rank", true));
  }),
  command("zrangebyscore", -4, [], (ctx, [key = "", min = "", max = "", ...options]) =>
    range(ctx, key, min, max, parseRangeOptions(options, "score", false)),
  ),
  command("zrevrangebyscore", -4, [], (ctx, [key = "", max = "", min = "", ...options]) =>
    range(ctx, key, max, min, parseRangeOptions(options, "score", true)),
  ),
  command("zrem", -3, ["write"], (ctx, [key = "", ...members]) => {
    const zset = readZset(ctx, key);
    if (!zset) return 0;
    let removed = 0;
    for (const member of members) if (zset.delete(member)) removed++;
    ctx.keyspace.deleteIfEmpty(key);
    return removed;
  }),
  command("zremrangebyscore", 4, ["write"], (ctx, [key = "", min = "", max = ""]) => {
    const bounds = scoreRange(min, max);
    const zset = readZset(ctx, key);
    if (!zset) return 0;
    const doomed = zset.byScore(bounds);
    for (const entry of doomed) zset.delete(entry.member);
    ctx.keyspace.deleteIfEmpty(key);
    return doomed.length;
  }),
  command("zremrangebyrank", 4, ["write"], (ctx, [key = "", start = "", stop = ""]) => {
    const found = rankArgs(ctx, key, start, stop);
    if (!found?.ranks) return 0;
    const removed = found.zset.deleteRanks(found.ranks[0], found.ranks[1]);
    ctx.keyspace.deleteIfEmpty(key);
    return removed;
  }),
];
