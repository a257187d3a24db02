import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

describe.each(transports)("strings over $name", (transport) => {
  const t = useRedis(transport);

  it("stores and reads a string", async () => {
    expect(await t.redis.set(t.key("s"), "hello")).toBe("OK");
    expect(await t.redis.get(t.key("s"))).toBe("hello");
    expect(await t.redis.get(t.key("missing"))).toBeNull();
  });

  it("deserializes JSON values the way Upstash does", async () => {
    await t.redis.set(t.key("object"), { a: 1, nested: [true, null] });
    await t.redis.set(t.key("number"), 42);
    await t.redis.set(t.key("numeric-string"), "123");
    await t.redis.set(t.key("big"), "12345678901234567890");
    await t.redis.set(t.key("text"), "not json");
    expect(await t.redis.get(t.key("object"))).toEqual({ a: 1, nested: [true, null] });
    expect(await t.redis.get(t.key("number"))).toBe(42);
    // The client parses numeric strings unless that would lose digits.
    expect(await t.redis.get(t.key("numeric-string"))).toBe(123);
    expect(await t.redis.get(t.key("big"))).toBe("12345678901234567890");
    expect(await t.redis.get(t.key("text"))).toBe("not json");
  });

  it("hands replies over as Redis sends them on the raw client, same store", async () => {
    await t.redis.set(t.key("object"), { a: 1 });
    await t.redis.set(t.key("numeric-string"), "123");
    const raw = t.handle.rawReplies;
    expect(await raw.get(t.key("object"))).toBe('{"a":1}');
    expect(await raw.get(t.key("numeric-string"))).toBe("123");
    const reply = await raw.eval('return {"ok", "12", ARGV[1], 7}', [], ['{"b":2}']);
    expect(reply).toEqual(["ok", "12", '{"b":2}', 7]);
    // The parsing client still guesses, on the very same values.
    expect(await t.redis.get(t.key("numeric-string"))).toBe(123);
    expect(await t.redis.eval('return {"12", ARGV[1]}', [], ['{"b":2}'])).toEqual([12, { b: 2 }]);
  });

  it("honours NX, XX and GET on SET", async () => {
    expect(await t.redis.set(t.key("k"), "a", { xx: true })).toBeNull();
    expect(await t.redis.set(t.key("k"), "a", { nx: true })).toBe("OK");
    expect(await t.redis.set(t.key("k"), "b", { nx: true })).toBeNull();
    expect(await t.redis.set(t.key("k"), "c", { xx: true, get: true })).toBe("a");
    expect(await t.redis.setnx(t.key("k"), "d")).toBe(0);
    expect(await t.redis.get(t.key("k"))).toBe("c");
  });

  it("counts with INCR, INCRBY, DECR and DECRBY", async () => {
    expect(await t.redis.incr(t.key("n"))).toBe(1);
    expect(await t.redis.incrby(t.key("n"), 10)).toBe(11);
    expect(await t.redis.decr(t.key("n"))).toBe(10);
    expect(await t.redis.decrby(t.key("n"), 15)).toBe(-5);
  });

  it("adds floats exactly as Redis prints them", async () => {
    expect(await t.redis.incrbyfloat(t.key("f"), 0.1)).toBe(0.1);
    expect(await t.redis.incrbyfloat(t.key("f"), 0.2)).toBe(0.3);
    await t.redis.set(t.key("g"), "1000000.1");
    await t.redis.incrbyfloat(t.key("g"), 0.3);
    // Redis' long double arithmetic shows through at this magnitude.
    expect(await t.raw("GET", t.key("g"))).toBe("1000000.40000000000003411");
  });

  it("refuses to increment what is not an integer", async () => {
    await t.redis.set(t.key("s"), "abc");
    await expect(t.redis.incr(t.key("s"))).rejects.toThrow(
      /value is not an integer or out of range/,
    );
    await t.redis.set(t.key("max"), "9223372036854775807");
    await expect(t.redis.incr(t.key("max"))).rejects.toThrow(
      /increment or decrement would overflow/,
    );
  });

  it("answers WRONGTYPE for string commands on other types", async () => {
    await t.redis.lpush(t.key("list"), "a");
    await expect(t.redis.get(t.key("list"))).rejects.toThrow(
      /WRONGTYPE Operation against a key holding the wrong kind of value/,
    );
  });

  it("reads and writes several keys with MGET and MSET", async () => {
    await t.redis.mset({ [t.key("a")]: "1", [t.key("b")]: { x: 2 } });
    expect(await t.redis.mget(t.key("a"), t.key("b"), t.key("c"))).toEqual([1, { x: 2 }, null]);
  });

  it("appends, measures and deletes on read", async () => {
    expect(await t.redis.append(t.key("s"), "hé")).toBe(3);
    expect(await t.redis.append(t.key("s"), "llo")).toBe(6);
    expect(await t.redis.strlen(t.key("s"))).toBe(6);
    expect(await t.redis.getdel(t.key("s"))).toBe("héllo");
    expect(await t.redis.exists(t.key("s"))).toBe(0);
  });

  it("rejects malformed SET options with Redis' messages", async () => {
    await expect(t.redis.set(t.key("k"), "v", { ex: 0 })).rejects.toThrow(
      /invalid expire time in 'set' command/,
    );
    await expect(
      t.redis.eval("return redis.call('SET', KEYS[1], 'v', 'NX', 'XX')", [t.key("k")], []),
    ).rejects.toThrow(/ERR syntax error/);
  });
});
