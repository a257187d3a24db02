/**
 * The production upstream fetch under every runtime we start on (functions/security/
 * upstream-fetch.ts): Node checks the address it connects to, through undici; Bun and Deno, which
 * have no such hook, keep the pre-check on their own fetch and never load undici.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const fixture = "test/runtimes/fixtures/upstream-fetch.ts";
const PRE_CHECK_REFUSAL =
  "private.example: refused: baseUrl resolves to a private address (private)";

const RUNTIMES = [
  {
    name: "node",
    command: "node_modules/.bin/tsx",
    args: [fixture],
    rebinding: "rebind.example: refused: rebind.example resolves to a private address (loopback)",
  },
  {
    name: "bun",
    command: "node_modules/.bin/bun",
    args: [fixture],
    rebinding: "rebind.example: answered by the platform fetch",
  },
  {
    name: "deno",
    command: "node_modules/.bin/deno",
    args: ["run", "--allow-all", fixture],
    rebinding: "rebind.example: answered by the platform fetch",
  },
];

describe.each(RUNTIMES)("provider calls in production under $name", (runtime) => {
  it("refuse what the pre-check finds private, and use the runtime's own guard", async () => {
    const { stdout } = await run(runtime.command, runtime.args, { cwd: root, timeout: 60_000 });
    expect(stdout.trim().split("\n")).toEqual([runtime.rebinding, PRE_CHECK_REFUSAL]);
  }, 90_000);
});
