import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

describe.each(transports)("hashes over $name", (transport) => {
  const t = useRedis(transport);

  it("sets fields and reads them back as an object", async () => {
    expect(await t.redis.hset(t.key("h"), { name: "ada", age: 36, tags: ["x"] })).toBe(3);
    expect(await t.redis.hset(t.key("h"), { age: 37 })).toBe(0);
    expect(await t.redis.hget(t.key("h"), "name")).toBe("ada");
    expect(await t.redis.hgetall(t.key("h"))).toEqual({ name: "ada", age: 37, tags: ["x"] });
    expect(await t.redis.hgetall(t.key("missing"))).toBeNull();
  });

  it("returns HGETALL flattened in field order underneath", async () => {
    await t.redis.hset(t.key("h"), { "2": "b" });
    await t.redis.hset(t.key("h"), { "1": "a" });
    expect(await t.raw("HGETALL", t.key("h"))).toEqual(["2", "b", "1", "a"]);
  });

  it("reads several fields with HMGET", async () => {
    await t.redis.hset(t.key("h"), { a: "1", b: "two" });
    expect(await t.redis.hmget(t.key("h"), "a", "b", "c")).toEqual({ a: 1, b: "two", c: null });
  });

  it("increments integer and float fields", async () => {
    expect(await t.redis.hincrby(t.key("h"), "n", 5)).toBe(5);
    expect(await t.redis.hincrby(t.key("h"), "n", -7)).toBe(-2);
    expect(await t.redis.hincrbyfloat(t.key("h"), "f", 0.1)).toBe(0.1);
    expect(await t.redis.hincrbyfloat(t.key("h"), "f", 0.2)).toBe(0.3);
    await t.redis.hset(t.key("h"), { s: "abc" });
    await expect(t.redis.hincrby(t.key("h"), "s", 1)).rejects.toThrow(
      /hash value is not an integer/,
    );
  });

  it("deletes fields and the key with its last field", async () => {
    await t.redis.hset(t.key("h"), { a: "1", b: "2" });
    expect(await t.redis.hsetnx(t.key("h"), "a", "x")).toBe(0);
    expect(await t.redis.hexists(t.key("h"), "a")).toBe(1);
    expect(await t.redis.hlen(t.key("h"))).toBe(2);
    expect(await t.redis.hkeys(t.key("h"))).toEqual(["a", "b"]);
    expect(await t.redis.hvals(t.key("h"))).toEqual([1, 2]);
    expect(await t.redis.hdel(t.key("h"), "a", "b", "c")).toBe(2);
    expect(await t.redis.exists(t.key("h"))).toBe(0);
  });
});
