import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(transports)("expiry over $name", (transport) => {
  const t = useRedis(transport);

  it("keeps a key until its PX time has passed, then forgets it", async () => {
    // Two keys, so neither check depends on how quickly a loaded machine gets to it: one that
    // lives long enough to be read back, and one whose short life is over before it is read.
    await t.redis.set(t.key("kept"), "v", { px: 60_000 });
    await t.redis.set(t.key("k"), "v", { px: 30 });
    expect(await t.redis.get(t.key("kept"))).toBe("v");
    const pttl = await t.redis.pttl(t.key("kept"));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await sleep(60);
    expect(await t.redis.get(t.key("k"))).toBeNull();
    expect(await t.redis.exists(t.key("k"))).toBe(0);
  });

  it("reports TTL and PTTL, -1 without expiry and -2 without key", async () => {
    await t.redis.set(t.key("k"), "v", { ex: 100 });
    await t.redis.set(t.key("forever"), "v");
    expect(await t.redis.ttl(t.key("k"))).toBe(100);
    const pttl = await t.redis.pttl(t.key("k"));
    expect(pttl).toBeGreaterThan(99_000);
    expect(pttl).toBeLessThanOrEqual(100_000);
    expect(await t.redis.ttl(t.key("forever"))).toBe(-1);
    expect(await t.redis.ttl(t.key("missing"))).toBe(-2);
  });

  it("applies EXPIRE's NX, XX, GT and LT conditions", async () => {
    await t.redis.set(t.key("k"), "v");
    expect(await t.redis.expire(t.key("k"), 100, "XX")).toBe(0);
    expect(await t.redis.expire(t.key("k"), 100, "NX")).toBe(1);
    expect(await t.redis.expire(t.key("k"), 50, "GT")).toBe(0);
    expect(await t.redis.expire(t.key("k"), 200, "GT")).toBe(1);
    expect(await t.redis.expire(t.key("k"), 150, "LT")).toBe(1);
    expect(await t.redis.ttl(t.key("k"))).toBe(150);
    expect(await t.redis.expire(t.key("missing"), 100)).toBe(0);
  });

  it("deletes a key given an expiry in the past", async () => {
    await t.redis.set(t.key("a"), "v");
    await t.redis.set(t.key("b"), "v");
    // (-1, not 0: the client drops falsy arguments of EXPIRE.)
    expect(await t.redis.expire(t.key("a"), -1)).toBe(1);
    expect(await t.redis.pexpireat(t.key("b"), Date.now() - 1000)).toBe(1);
    expect(await t.redis.exists(t.key("a"), t.key("b"))).toBe(0);
  });

  it("keeps or clears the TTL as each write command does", async () => {
    await t.redis.set(t.key("k"), "1", { ex: 100 });
    await t.redis.incr(t.key("k"));
    expect(await t.redis.ttl(t.key("k"))).toBe(100);
    await t.redis.set(t.key("k"), "2", { keepTtl: true });
    expect(await t.redis.ttl(t.key("k"))).toBe(100);
    await t.redis.set(t.key("k"), "3");
    expect(await t.redis.ttl(t.key("k"))).toBe(-1);
  });

  it("removes the expiry with PERSIST", async () => {
    await t.redis.setex(t.key("k"), 100, "v");
    expect(await t.redis.persist(t.key("k"))).toBe(1);
    expect(await t.redis.persist(t.key("k"))).toBe(0);
    expect(await t.redis.ttl(t.key("k"))).toBe(-1);
  });

  it("sets an expiry in ms with PSETEX and PEXPIRE", async () => {
    await t.redis.psetex(t.key("k"), 100_000, "v");
    expect(await t.redis.ttl(t.key("k"))).toBe(100);
    await t.redis.pexpire(t.key("k"), 40);
    await sleep(70);
    expect(await t.redis.get(t.key("k"))).toBeNull();
  });
});
