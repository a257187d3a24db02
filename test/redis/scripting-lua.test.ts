/**
 * What scripts see inside Lua: conversions between Lua and Redis values, cjson, number
 * formatting and the Lua 5.1 sandbox Redis provides. Real Redis is the reference; the
 * embedded engine runs Lua 5.3 (fengari) made to behave like it.
 */
import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

describe.each(transports)("Lua in scripts over $name", (transport) => {
  const t = useRedis(transport);
  const run = (script: string, args: (string | number)[] = []) => t.redis.eval(script, [], args);
  /** Returns a string the client leaves alone (it JSON-parses replies that look like JSON). */
  const text = async (expression: string) =>
    String(await run(`return 'text:' .. ${expression}`)).slice("text:".length);

  it("converts Lua numbers to integer replies by truncation", async () => {
    expect(await run("return 3.99")).toBe(3);
    expect(await run("return -3.99")).toBe(-3);
    expect(await run("return -0.5")).toBe(0);
    expect(await run("return 2^53")).toBe(2 ** 53);
    // To return a float, return a string.
    expect(await run("return tostring(3.99)")).toBe(3.99);
  });

  it("converts booleans, nil and tables the way Redis does", async () => {
    expect(await run("return true")).toBe(1);
    expect(await run("return false")).toBeNull();
    expect(await run("return nil")).toBeNull();
    expect(await run("return {1, 2.5, 'x', {3, {4, 'deep'}}, true, false, 9}")).toEqual([
      1,
      2,
      "x",
      [3, [4, "deep"]],
      1,
      null,
      9,
    ]);
    // An array stops at its first nil; string keys are dropped.
    expect(await run("return {1, nil, 3}")).toEqual([1]);
    expect(await run("return {a = 1, b = 2}")).toEqual([]);
    expect(await run("local t = {'a'} t.x = 'y' t[3] = 'c' return t")).toEqual(["a"]);
  });

  it("turns status tables into status replies, inside arrays too", async () => {
    expect(await run("return redis.status_reply('FINE')")).toBe("FINE");
    expect(await run("return {ok = 'YES'}")).toBe("YES");
    // Nested errors have no place in a JSON reply: their message stands in.
    expect(await run("return {redis.status_reply('A'), redis.error_reply('B oops'), 3}")).toEqual([
      "A",
      "B oops",
      3,
    ]);
  });

  it("gives scripts Redis replies as Lua values", async () => {
    await t.redis.set(t.key("s"), "v");
    await t.redis.rpush(t.key("l"), "a", "b");
    const script = `
      local set = redis.call('SET', KEYS[1], 'v2')
      return {
        type(redis.call('INCR', KEYS[2])),
        type(redis.call('GET', KEYS[1])),
        tostring(redis.call('GET', KEYS[4])),
        type(set), set.ok,
        type(redis.call('LRANGE', KEYS[3], 0, -1)), #redis.call('LRANGE', KEYS[3], 0, -1),
        #redis.call('HGETALL', KEYS[4])
      }`;
    const keys = [t.key("s"), t.key("n"), t.key("l"), t.key("missing")];
    expect(await t.redis.eval(script, keys, [])).toEqual([
      "number",
      "string",
      // ("false" and "true" come back JSON-parsed, as booleans.)
      false,
      "table",
      "OK",
      "table",
      2,
      0,
    ]);
  });

  it("formats numbers passed to redis.call with 17 significant digits", async () => {
    await t.redis.eval("return redis.call('SET', KEYS[1], 0.1 + 0.2)", [t.key("f")], []);
    expect(await t.raw("GET", t.key("f"))).toBe("0.30000000000000004");
    await t.redis.eval("return redis.call('SET', KEYS[1], 3000000 * 1000)", [t.key("i")], []);
    expect(await t.raw("GET", t.key("i"))).toBe("3000000000");
  });

  it("converts with tonumber and tostring as Lua 5.1 does", async () => {
    expect(
      await run("return {tonumber('12.7'), tonumber('0x10'), tostring(tonumber('abc'))}"),
    ).toEqual([12, 16, "nil"]);
    expect(await text("tonumber('12.7')")).toBe("12.7");
    expect(await run("return ARGV[1] + 1", ["41"])).toBe(42);
    expect(await text("tostring(12.5)")).toBe("12.5");
    expect(await text("tostring(10 / 3)")).toBe("3.3333333333333");
    expect(await text("tostring(100)")).toBe("100");
    // printf("%.14g"): exponent form from 1e14 on and below 1e-4; ties round to even.
    expect(await text("tostring(1e15)")).toBe("1e+15");
    expect(await text("tostring(99999999999999)")).toBe("99999999999999");
    expect(await text("tostring(0.00001)")).toBe("1e-05");
    expect(await text("tostring(12345678901234.5)")).toBe("12345678901234");
    expect(await text("'key:' .. 2^53")).toBe("key:9.007199254741e+15");
    expect(await text("tostring(1/0) .. ' ' .. tostring(-1/0) .. ' ' .. tostring(0/0)")).toBe(
      "inf -inf -nan",
    );
  });

  it("keeps arithmetic in doubles, never in wrapping integers", async () => {
    expect(await run("return 3000000 * 1000")).toBe(3_000_000_000);
    expect(await run("return math.floor(2^40 / 3)")).toBe(Math.floor(2 ** 40 / 3));
    expect(await text("7 / 2")).toBe("3.5");
    expect(await run("return 7 % 3")).toBe(1);
  });

  it("encodes tables with cjson", async () => {
    expect(await run("return cjson.encode({a = 1, b = {1, 2, 3}, c = 'x'})")).toEqual({
      a: 1,
      b: [1, 2, 3],
      c: "x",
    });
    expect(await text("cjson.encode({1, 2, nil, 'x/y', true, 0.1, 1/3, 1e20})")).toBe(
      '[1,2,null,"x\\/y",true,0.1,0.33333333333333,1e+20]',
    );
    expect(await text("cjson.encode({})")).toBe("{}");
    expect(await text("cjson.encode('tab\\there')")).toBe('"tab\\there"');
    await expect(run("return cjson.encode({[1] = 1, [20] = 2})")).rejects.toThrow(
      "ERR user_script:1: Cannot serialise table: excessively sparse array",
    );
    await expect(run("return cjson.encode({[true] = 1})")).rejects.toThrow(
      "ERR user_script:1: Cannot serialise boolean: table key must be a number or string",
    );
    await expect(run("return cjson.encode(0/0)")).rejects.toThrow(
      "Cannot serialise number: must not be NaN or Inf",
    );
  });

  it("decodes JSON with cjson, null as cjson.null", async () => {
    const json = JSON.stringify({ a: 1, b: [10, 20], c: null, d: true, e: "é😀" });
    const script = `
      local v = cjson.decode(ARGV[1])
      return {v.a, v.b[2], tostring(v.c == cjson.null), type(v.d), v.e, #v.b}`;
    expect(await run(script, [json])).toEqual([1, 20, true, "boolean", "é😀", 2]);
    expect(await text("cjson.decode('\"\\\\u00e9\\\\n\"')")).toBe("é\n");
    expect(await text("cjson.encode(cjson.decode('{}'))")).toBe("{}");
  });

  it("reports malformed JSON with lua-cjson's messages", async () => {
    const decode = (json: string) => run("return cjson.decode(ARGV[1])", [json]);
    await expect(decode("[1 2]")).rejects.toThrow(
      "ERR user_script:1: Expected comma or array end but found T_NUMBER at character 4",
    );
    await expect(decode('{"a":}')).rejects.toThrow(
      "Expected value but found T_OBJ_END at character 6",
    );
    await expect(decode('{"a":1,}')).rejects.toThrow(
      "Expected object key string but found T_OBJ_END at character 8",
    );
    await expect(decode("[1,2]x")).rejects.toThrow(
      "Expected the end but found invalid token at character 6",
    );
    await expect(decode('"abc')).rejects.toThrow(
      "Expected value but found unexpected end of string at character 5",
    );
    await expect(decode('"\\q"')).rejects.toThrow(
      "Expected value but found invalid escape code at character 2",
    );
    await expect(decode("")).rejects.toThrow("Expected value but found T_END at character 1");
    await expect(run("return cjson.decode()")).rejects.toThrow(
      "bad argument #1 to 'decode' (expected 1 argument)",
    );
  });

  it("decodes what lua-cjson lets through beyond strict JSON", async () => {
    const decode = "local v = cjson.decode(ARGV[1]) return {v[1], v[2], v[3], v[4]}";
    expect(await run(decode, ["[+1, 01, 5., 0x10]"])).toEqual([1, 1, 5, 16]);
    expect(await run("return cjson.decode(ARGV[1])[1]", ['["a\nb"]'])).toBe("a\nb");
    expect(await run("return cjson.decode(ARGV[1])[1] == math.huge", ["[Infinity]"])).toBe(1);
  });

  it("runs LuaBitOp's bit library on 32-bit values", async () => {
    expect(
      await run(
        "return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.lshift(1, 31), bit.tohex(255)}",
      ),
    ).toEqual([15, 7, -2147483648, "000000ff"]);
    expect(await run("return bit.bxor('12', 5)")).toBe(9);
    await expect(run("return bit.band('x')")).rejects.toThrow(
      "ERR user_script:1: bad argument #1 to 'band' (number expected, got string)",
    );
  });

  it("offers Lua 5.1's library and syntax, not Lua 5.3's", async () => {
    expect(await run("return _VERSION")).toBe("Lua 5.1");
    expect(await run("return {unpack({1, 2, 3})}")).toEqual([1, 2, 3]);
    expect(await run("return {type(table.unpack), type(math.type), type(string.pack)}")).toEqual([
      "nil",
      "nil",
      "nil",
    ]);
    // 5.1 has no \x escape: the backslash is dropped and "x41" stays text.
    expect(await run("return '\\x41'")).toBe("x41");
    for (const script of [
      "return 7 // 2",
      "local x = 1 | 2 return x",
      "return 1 << 2",
      "return ~1",
    ]) {
      await expect(run(script)).rejects.toThrow(/^(Command failed: )?ERR Error compiling script/);
    }
  });

  it("protects globals and hides what Redis hides", async () => {
    await expect(run("x = 1")).rejects.toThrow(
      "ERR user_script:1: Attempt to modify a readonly table",
    );
    await expect(run("return undefined_thing")).rejects.toThrow(
      "Script attempted to access nonexistent global variable 'undefined_thing'",
    );
    for (const name of ["os", "io", "require", "loadfile", "dofile"]) {
      await expect(run(`return type(${name})`)).rejects.toThrow(
        `Script attempted to access nonexistent global variable '${name}'`,
      );
    }
    // Locals are fine, and nothing leaks from one run into the next.
    expect(await run("local x = 5 return x")).toBe(5);
  });

  it("offers redis.sha1hex and the log levels", async () => {
    expect(await run("return redis.sha1hex('')")).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(
      await run("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
    ).toEqual([0, 1, 2, 3]);
    await expect(run("redis.log(redis.LOG_DEBUG)")).rejects.toThrow(
      "redis.log() requires two arguments or more.",
    );
  });
});
