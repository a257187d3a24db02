import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

describe.each(transports)("sorted sets over $name", (transport) => {
  const t = useRedis(transport);

  async function seed(): Promise<string> {
    const key = t.key("z");
    await t.redis.zadd(
      key,
      { score: 1, member: "a" },
      { score: 2, member: "b" },
      { score: 2, member: "c" },
      { score: 3.5, member: "d" },
    );
    return key;
  }

  it("orders members by score, then by member", async () => {
    const key = await seed();
    expect(await t.redis.zrange(key, 0, -1)).toEqual(["a", "b", "c", "d"]);
    expect(await t.redis.zrange(key, 0, -1, { withScores: true })).toEqual([
      "a",
      1,
      "b",
      2,
      "c",
      2,
      "d",
      3.5,
    ]);
    expect(await t.redis.zrange(key, 0, 1, { rev: true })).toEqual(["d", "c"]);
  });

  it("ranges by score with exclusive bounds, REV and LIMIT", async () => {
    const key = await seed();
    expect(await t.redis.zrange(key, "(1", "+inf", { byScore: true })).toEqual(["b", "c", "d"]);
    expect(await t.redis.zrange(key, "+inf", "(1", { byScore: true, rev: true })).toEqual([
      "d",
      "c",
      "b",
    ]);
    expect(
      await t.redis.zrange(key, "-inf", "+inf", { byScore: true, offset: 1, count: 2 }),
    ).toEqual(["b", "c"]);
    expect(
      await t.redis.eval("return redis.call('ZRANGEBYSCORE', KEYS[1], 2, 3)", [key], []),
    ).toEqual(["b", "c"]);
    expect(await t.redis.zcount(key, "(1", 3.5)).toBe(3);
  });

  it("applies ZADD's NX, XX, GT, LT, CH and INCR", async () => {
    const key = await seed();
    expect(
      await t.redis.zadd(key, { nx: true }, { score: 9, member: "a" }, { score: 9, member: "e" }),
    ).toBe(1);
    expect(await t.redis.zscore(key, "a")).toBe(1);
    expect(
      await t.redis.zadd(
        key,
        { xx: true, ch: true },
        { score: 5, member: "a" },
        { score: 5, member: "f" },
      ),
    ).toBe(1);
    expect(await t.redis.zadd(key, { gt: true, ch: true }, { score: 4, member: "a" })).toBe(0);
    expect(await t.redis.zadd(key, { lt: true, ch: true }, { score: 4, member: "a" })).toBe(1);
    expect(await t.redis.zadd(key, { incr: true }, { score: 0.5, member: "a" })).toBe(4.5);
    expect(await t.redis.zincrby(key, 0.25, "a")).toBe(4.75);
    expect(await t.redis.zscore(key, "f")).toBeNull();
    await expect(t.raw("ZADD", key, "NX", "XX", 1, "z")).rejects.toThrow(
      /XX and NX options at the same time are not compatible/,
    );
  });

  it("prints scores the way Redis does", async () => {
    const key = t.key("z");
    await t.redis.zadd(key, { score: 0.1, member: "m" });
    await t.redis.zincrby(key, 0.2, "m");
    await t.redis.zadd(key, { score: 1e20, member: "big" });
    expect(await t.raw("ZRANGE", key, 0, -1, "WITHSCORES")).toEqual([
      "m",
      "0.30000000000000004",
      "big",
      "1e+20",
    ]);
  });

  it("removes by member, score range and rank", async () => {
    const key = await seed();
    expect(await t.redis.zrem(key, "a", "nope")).toBe(1);
    expect(await t.redis.zcard(key)).toBe(3);
    expect(await t.redis.zremrangebyscore(key, 2, 2)).toBe(2);
    expect(await t.redis.zadd(key, { score: 7, member: "x" }, { score: 8, member: "y" })).toBe(2);
    expect(await t.redis.zremrangebyrank(key, 0, 1)).toBe(2);
    expect(await t.redis.zrange(key, 0, -1)).toEqual(["y"]);
    expect(await t.redis.zrank(key, "y")).toBe(0);
    expect(await t.redis.zremrangebyrank(key, 0, -1)).toBe(1);
    expect(await t.redis.exists(key)).toBe(0);
  });

  it("rejects bounds that are not floats", async () => {
    const key = await seed();
    await expect(t.redis.zcount(key, "abc", 1)).rejects.toThrow(/min or max is not a float/);
  });
});
