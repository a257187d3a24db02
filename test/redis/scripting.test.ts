/**
 * EVAL, EVALSHA, SCRIPT and how script errors reach the caller. Lua ↔ Redis conversions,
 * cjson and the sandbox are in scripting-lua.test.ts.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");
const UNKNOWN_SHA = "ffffffffffffffffffffffffffffffffffffffff";

/** What @upstash/ratelimit 2.1+ starts its scripts with; Redis 7 OSS does not know the flag. */
const UPSTASH_SHEBANG = "#!lua flags=allow-key-locking";

describe.each(transports)("scripting over $name", (transport) => {
  const t = useRedis(transport);

  it("passes KEYS and ARGV apart by numkeys", async () => {
    const script = "return {#KEYS, #ARGV, KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}";
    expect(await t.redis.eval(script, [t.key("a"), t.key("b")], ["x", "y", "z"])).toEqual([
      2,
      3,
      t.key("a"),
      t.key("b"),
      "x",
      "y",
      "z",
    ]);
    // Arguments reach the script as strings, whatever the caller passed.
    expect(await t.redis.eval("return type(ARGV[1]) .. ':' .. ARGV[1]", [], [42])).toBe(
      "string:42",
    );
  });

  it("caches scripts under their SHA1 with SCRIPT LOAD, EVALSHA and SCRIPT EXISTS", async () => {
    // The prefix makes the script text, so its SHA1, unique to this test.
    const script = `return redis.call('INCRBY', KEYS[1], ARGV[1]) -- ${t.prefix}`;
    const sha = await t.redis.scriptLoad(script);
    expect(sha).toBe(sha1(script));
    expect(await t.redis.scriptExists(sha, UNKNOWN_SHA)).toEqual([1, 0]);
    expect(await t.redis.evalsha(sha, [t.key("n")], [5])).toBe(5);
    expect(await t.redis.evalsha(sha.toUpperCase(), [t.key("n")], [2])).toBe(7);
  });

  it("caches a script run with EVAL, so EVALSHA finds it afterwards", async () => {
    const script = `return ARGV[1] .. '${t.prefix}'`;
    expect(await t.redis.scriptExists(sha1(script))).toEqual([0]);
    expect(await t.redis.eval(script, [], ["v:"])).toBe(`v:${t.prefix}`);
    expect(await t.redis.evalsha(sha1(script), [], ["w:"])).toBe(`w:${t.prefix}`);
  });

  it("answers NOSCRIPT for a SHA1 it does not know", async () => {
    await expect(t.redis.evalsha(UNKNOWN_SHA, [], [])).rejects.toThrow(
      /NOSCRIPT No matching script/,
    );
  });

  it("forgets every script on SCRIPT FLUSH", async () => {
    // Flushing a shared server only costs other clients a NOSCRIPT and an EVAL fallback.
    const sha = await t.redis.scriptLoad(`return 1 -- ${t.prefix}`);
    expect(await t.redis.scriptFlush()).toBe("OK");
    expect(await t.redis.scriptExists(sha)).toEqual([0]);
    await expect(t.redis.evalsha(sha, [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it("falls back from EVALSHA to EVAL in the client's Script helper", async () => {
    const script = t.redis.createScript<number>(`return #ARGV -- ${t.prefix}`);
    expect(await script.exec([], ["a", "b"])).toBe(2);
    expect(await t.redis.scriptExists(sha1(`return #ARGV -- ${t.prefix}`))).toEqual([1]);
  });

  it("checks numkeys and the SHA1's form", async () => {
    await expect(t.redis.exec(["EVAL", "return 1", "-1"])).rejects.toThrow(
      "ERR Number of keys can't be negative",
    );
    await expect(t.redis.exec(["EVAL", "return 1", "2", "a"])).rejects.toThrow(
      "ERR Number of keys can't be greater than number of args",
    );
    await expect(t.redis.exec(["EVAL", "return 1", "one"])).rejects.toThrow(
      "ERR value is not an integer or out of range",
    );
    await expect(t.redis.evalsha("return 1", [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it("refuses a script that does not compile", async () => {
    await expect(t.redis.eval("return 1 +", [], [])).rejects.toThrow(
      "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
    );
  });

  it("aborts on a failing redis.call but keeps the writes made before it", async () => {
    await t.redis.set(t.key("text"), "abc");
    const script = `
      redis.call('SET', KEYS[1], 'written')
      redis.call('INCR', KEYS[2])
      redis.call('SET', KEYS[1], 'not reached')`;
    const sha = sha1(script);
    await expect(t.redis.eval(script, [t.key("out"), t.key("text")], [])).rejects.toThrow(
      `ERR value is not an integer or out of range script: ${sha}, on @user_script:3.`,
    );
    // Scripts are atomic but have no rollback.
    expect(await t.redis.get(t.key("out"))).toBe("written");
  });

  it("hands redis.pcall's error to the script as a table", async () => {
    await t.redis.set(t.key("text"), "abc");
    const script = `
      local r = redis.pcall('INCR', KEYS[1])
      return {type(r), r.err, redis.call('EXISTS', KEYS[1])}`;
    expect(await t.redis.eval(script, [t.key("text")], [])).toEqual([
      "table",
      "ERR value is not an integer or out of range",
      1,
    ]);
    // Returned as is, the error table becomes the script's error reply.
    await expect(
      t.redis.eval("return redis.pcall('INCR', KEYS[1])", [t.key("text")], []),
    ).rejects.toThrow(/^(Command failed: )?ERR value is not an integer or out of range$/);
  });

  it("turns redis.error_reply and {err=...} into error replies, verbatim", async () => {
    await expect(
      t.redis.eval("return redis.error_reply('MYERR it broke')", [], []),
    ).rejects.toThrow(/^(Command failed: )?MYERR it broke$/);
    await expect(t.redis.eval("return {err='OOPS raw table'}", [], [])).rejects.toThrow(
      /^(Command failed: )?OOPS raw table$/,
    );
    await expect(
      t.redis.eval("return redis.error_reply('-ERR leading dash')", [], []),
    ).rejects.toThrow(/^(Command failed: )?ERR leading dash$/);
    // {err=<number>} is no error table (err must be a string): an empty array.
    expect(await t.redis.eval("return {err=1}", [], [])).toEqual([]);
  });

  it("reports runtime errors with Redis' prefix, the script SHA1 and the line", async () => {
    const boom = "local a = 1\nerror('boom')";
    await expect(t.redis.eval(boom, [], [])).rejects.toThrow(
      `ERR user_script:2: boom script: ${sha1(boom)}, on @user_script:2.`,
    );
    const tableError = "error({err='CUSTOM table error'})";
    await expect(t.redis.eval(tableError, [], [])).rejects.toThrow(
      `CUSTOM table error script: ${sha1(tableError)}, on @user_script:1.`,
    );
    // Lua 5.1's wording (Redis' Lua), not 5.3's "attempt to index a nil value (local 'x')".
    await expect(t.redis.eval("local x\nreturn x.field", [], [])).rejects.toThrow(
      "ERR user_script:2: attempt to index local 'x' (a nil value)",
    );
    await expect(t.redis.eval("local t = {}\nreturn t.f()", [], [])).rejects.toThrow(
      "ERR user_script:2: attempt to call field 'f' (a nil value)",
    );
    await expect(t.redis.eval("local n\nreturn n + 1", [], [])).rejects.toThrow(
      "ERR user_script:2: attempt to perform arithmetic on local 'n' (a nil value)",
    );
  });

  it("refuses unknown commands, wrong arity and scripting commands from scripts", async () => {
    await expect(t.redis.eval("return redis.call('NOPE')", [], [])).rejects.toThrow(
      "ERR Unknown Redis command called from script",
    );
    await expect(t.redis.eval("return redis.call('GET')", [], [])).rejects.toThrow(
      "ERR Wrong number of args calling Redis command from script",
    );
    await expect(t.redis.eval("return redis.call('EVAL', 'return 1', 0)", [], [])).rejects.toThrow(
      "ERR This Redis command is not allowed from script",
    );
    await expect(t.redis.eval("return redis.call('GET', true)", [], [])).rejects.toThrow(
      "ERR Lua redis lib command arguments must be strings or integers",
    );
  });

  it("refuses writes from EVAL_RO and from no-writes scripts", async () => {
    const write = "return redis.call('SET', KEYS[1], 'v')";
    await expect(t.redis.evalRo(write, [t.key("k")], [])).rejects.toThrow(
      "ERR Write commands are not allowed from read-only scripts.",
    );
    await expect(t.redis.eval(`#!lua flags=no-writes\n${write}`, [t.key("k")], [])).rejects.toThrow(
      /ERR Write commands are not allowed from read-only scripts\. script: \w+, on @user_script:2\./,
    );
    await t.redis.set(t.key("k"), "v");
    expect(await t.redis.evalRo("return redis.call('GET', KEYS[1])", [t.key("k")], [])).toBe("v");
  });

  it("refuses shebang flags Redis does not know", async () => {
    await expect(t.redis.eval("#!lua flags=bogus\nreturn 1", [], [])).rejects.toThrow(
      "ERR Unexpected flag in script shebang: bogus",
    );
    await expect(t.redis.eval("#!python\nreturn 1", [], [])).rejects.toThrow(
      "ERR Unexpected engine in script shebang: #!python",
    );
  });

  it(`runs ${UPSTASH_SHEBANG} scripts, by EVAL and by the caller's SHA1`, async () => {
    const script = `${UPSTASH_SHEBANG}
      -- ${t.prefix}
      local n = redis.call('INCRBY', KEYS[1], ARGV[1])
      if n > 10 then error('too big') end
      return n`;
    const sha = sha1(script);
    expect(await t.redis.scriptExists(sha)).toEqual([0]);
    await expect(t.redis.evalsha(sha, [t.key("n")], [1])).rejects.toThrow(/NOSCRIPT/);
    expect(await t.redis.eval(script, [t.key("n")], [2])).toBe(2);
    // EVALSHA with the SHA1 of the text as written, shebang included, as the library sends it.
    expect(await t.redis.scriptExists(sha)).toEqual([1]);
    expect(await t.redis.evalsha(sha, [t.key("n")], [3])).toBe(5);
    // Line numbers count the shebang line, as in Redis.
    await expect(t.redis.evalsha(sha, [t.key("n")], [6])).rejects.toThrow(
      /ERR user_script:4: too big script: \w+, on @user_script:4\./,
    );
    // Other flags on the line keep their meaning.
    const readOnly = `#!lua flags=no-writes,allow-key-locking\nreturn redis.call('DEL', KEYS[1])`;
    await expect(t.redis.eval(readOnly, [t.key("n")], [])).rejects.toThrow(
      /Write commands are not allowed from read-only scripts/,
    );
    expect(await t.redis.get(t.key("n"))).toBe(11);
  });

  it(`loads ${UPSTASH_SHEBANG} scripts with SCRIPT LOAD under the caller's SHA1`, async () => {
    const script = `${UPSTASH_SHEBANG}\nreturn '${t.prefix}' .. ARGV[1]`;
    expect(await t.redis.scriptLoad(script)).toBe(sha1(script));
    expect(await t.redis.scriptExists(sha1(script))).toEqual([1]);
    expect(await t.redis.evalsha(sha1(script), [], ["x"])).toBe(`${t.prefix}x`);
    const helper = t.redis.createScript<string>(script);
    expect(await helper.exec([], ["y"])).toBe(`${t.prefix}y`);
  });
});
