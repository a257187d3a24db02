import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

describe.each(transports)("lists and sets over $name", (transport) => {
  const t = useRedis(transport);

  it("pushes to both ends and reads ranges", async () => {
    expect(await t.redis.rpush(t.key("l"), "b", "c")).toBe(2);
    expect(await t.redis.lpush(t.key("l"), "a", "z")).toBe(4);
    expect(await t.redis.lrange(t.key("l"), 0, -1)).toEqual(["z", "a", "b", "c"]);
    expect(await t.redis.lrange(t.key("l"), -2, 100)).toEqual(["b", "c"]);
    expect(await t.redis.llen(t.key("l"))).toBe(4);
    expect(await t.redis.lindex(t.key("l"), -1)).toBe("c");
    expect(await t.redis.lindex(t.key("l"), 10)).toBeNull();
  });

  it("pops one or several, and deletes the emptied list", async () => {
    await t.redis.rpush(t.key("l"), { n: 1 }, { n: 2 }, { n: 3 }, { n: 4 });
    expect(await t.redis.lpop(t.key("l"))).toEqual({ n: 1 });
    expect(await t.redis.lpop(t.key("l"), 2)).toEqual([{ n: 2 }, { n: 3 }]);
    expect(await t.redis.rpop(t.key("l"), 5)).toEqual([{ n: 4 }]);
    expect(await t.redis.exists(t.key("l"))).toBe(0);
    expect(await t.redis.lpop(t.key("l"))).toBeNull();
    expect(await t.redis.lpop(t.key("l"), 3)).toBeNull();
  });

  it("trims a list to a range", async () => {
    await t.redis.rpush(t.key("l"), "a", "b", "c", "d");
    expect(await t.redis.ltrim(t.key("l"), 1, -2)).toBe("OK");
    expect(await t.redis.lrange(t.key("l"), 0, -1)).toEqual(["b", "c"]);
    await t.redis.ltrim(t.key("l"), 5, 10);
    expect(await t.redis.exists(t.key("l"))).toBe(0);
  });

  it("keeps set members unique", async () => {
    expect(await t.redis.sadd(t.key("s"), "a", "b", "a")).toBe(2);
    expect(await t.redis.sadd(t.key("s"), "b", "c")).toBe(1);
    expect((await t.redis.smembers(t.key("s"))).sort()).toEqual(["a", "b", "c"]);
    expect(await t.redis.sismember(t.key("s"), "a")).toBe(1);
    expect(await t.redis.scard(t.key("s"))).toBe(3);
    expect(await t.redis.srem(t.key("s"), "a", "b", "c", "d")).toBe(3);
    expect(await t.redis.exists(t.key("s"))).toBe(0);
  });
});
