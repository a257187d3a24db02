/**
 * The embedded Redis runs Lua the way Redis' Lua 5.1 does under every runtime we start on:
 * module loading order differs between Node, Bun and Deno, and fengari must be configured
 * before it loads (see db/redis/embedded/lua/fengari.ts).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const fixture = "test/runtimes/fixtures/embedded-lua.ts";

// What Redis 7.0 answers for the same script (redis-cli EVAL on this machine's redis-server).
const EXPECTED = '5 1e+15 1e-05 inf k:4.5 {"n":9.007199254741e+15}';

const RUNTIMES = [
  { name: "node", command: "node_modules/.bin/tsx", args: [fixture] },
  { name: "bun", command: "node_modules/.bin/bun", args: [fixture] },
  { name: "deno", command: "node_modules/.bin/deno", args: ["run", "--allow-all", fixture] },
];

describe.each(RUNTIMES)("embedded Lua under $name", ({ command, args }) => {
  it("formats numbers as Redis' Lua 5.1 does", async () => {
    const { stdout } = await run(command, args, { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe(EXPECTED);
  }, 90_000);
});
