import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

describe.each(transports)("keys over $name", (transport) => {
  const t = useRedis(transport);

  it("deletes, counts and types keys", async () => {
    await t.redis.set(t.key("s"), "v");
    await t.redis.hset(t.key("h"), { f: "v" });
    await t.redis.zadd(t.key("z"), { score: 1, member: "m" });
    expect(await t.redis.type(t.key("s"))).toBe("string");
    expect(await t.redis.type(t.key("h"))).toBe("hash");
    expect(await t.redis.type(t.key("z"))).toBe("zset");
    expect(await t.redis.type(t.key("none"))).toBe("none");
    expect(await t.redis.exists(t.key("s"), t.key("s"), t.key("none"))).toBe(2);
    expect(await t.redis.del(t.key("s"), t.key("h"), t.key("none"))).toBe(2);
    expect(await t.redis.unlink(t.key("z"))).toBe(1);
  });

  it("finds keys by pattern with KEYS and SCAN", async () => {
    for (let i = 0; i < 25; i++) await t.redis.set(t.key(`user:${i}`), i);
    await t.redis.set(t.key("other"), 1);
    expect((await t.redis.keys(t.key("user:1?"))).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => t.key(`user:1${i}`)).sort(),
    );
    const seen = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = await t.redis.scan(cursor, { match: t.key("user:*"), count: 7 });
      for (const key of keys) seen.add(key);
      cursor = String(next);
    } while (cursor !== "0");
    expect(seen.size).toBe(25);
  });

  it("renames a key with its TTL", async () => {
    await t.redis.set(t.key("a"), "v", { ex: 100 });
    expect(await t.redis.rename(t.key("a"), t.key("b"))).toBe("OK");
    expect(await t.redis.get(t.key("b"))).toBe("v");
    expect(await t.redis.ttl(t.key("b"))).toBe(100);
    await expect(t.redis.rename(t.key("a"), t.key("c"))).rejects.toThrow(/no such key/);
  });

  it("answers PING, ECHO and TIME", async () => {
    expect(await t.redis.ping()).toBe("PONG");
    expect(await t.redis.echo("hi")).toBe("hi");
    const [seconds, micros] = await t.redis.time();
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(5);
    expect(micros).toBeGreaterThanOrEqual(0);
    expect(await t.handle.ping()).toBe(true);
  });

  it("names unknown commands like Redis", async () => {
    await expect(t.redis.eval("return redis.call('NOPE')", [], [])).rejects.toThrow(
      /Unknown Redis command called from script/,
    );
  });
});
