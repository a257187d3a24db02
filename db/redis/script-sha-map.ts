/**
 * Lets @upstash/ratelimit's `#!lua flags=allow-key-locking` scripts run on Redis 7 OSS.
 *
 * The script is rewritten before it is sent (see lua-shebang.ts), so Redis caches it under
 * the SHA1 of the rewritten text while the library keeps calling EVALSHA with the SHA1 of
 * the original. This map translates one to the other, so EVALSHA hits the cached script,
 * a miss still answers NOSCRIPT (and the library falls back to EVAL), and SCRIPT LOAD /
 * SCRIPT EXISTS answer in terms of the SHA1 the caller computed.
 */
import { forRedisOss } from "./lua-shebang.ts";
import { sha1Hex } from "./sha1.ts";
import type { WireCommand, WireValue } from "./upstash-wire.ts";

export interface PreparedCommand {
  readonly argv: WireCommand;
  /** Rewrites the reply back into the caller's terms (SCRIPT LOAD's SHA1). */
  readonly restore: (result: WireValue) => WireValue;
}

const unchanged = (result: WireValue): WireValue => result;

export class ScriptShaMap {
  /** SHA1 the client computed → SHA1 of the script Redis actually has. */
  private readonly serverSha = new Map<string, string>();

  prepare(argv: WireCommand): PreparedCommand {
    const name = (argv[0] ?? "").toLowerCase();
    if ((name === "eval" || name === "eval_ro") && argv.length > 1) {
      return { argv: this.withScript(argv, 1), restore: unchanged };
    }
    if ((name === "evalsha" || name === "evalsha_ro") && argv.length > 1) {
      return {
        argv: argv.map((arg, i) => (i === 1 ? this.translate(arg) : arg)),
        restore: unchanged,
      };
    }
    if (name === "script" && argv.length > 2) {
      const subcommand = (argv[1] ?? "").toLowerCase();
      if (subcommand === "load") {
        const original = argv[2] ?? "";
        const rewritten = this.withScript(argv, 2);
        if (rewritten === argv) return { argv, restore: unchanged };
        return { argv: rewritten, restore: () => sha1Hex(original) };
      }
      if (subcommand === "exists") {
        return {
          argv: argv.map((arg, i) => (i >= 2 ? this.translate(arg) : arg)),
          restore: unchanged,
        };
      }
    }
    return { argv, restore: unchanged };
  }

  /** The server-side SHA1 for a client SHA1 (itself when the script needed no rewrite). */
  translate(sha: string): string {
    return this.serverSha.get(sha.toLowerCase()) ?? sha;
  }

  private withScript(argv: WireCommand, index: number): WireCommand {
    const script = argv[index] ?? "";
    const rewritten = forRedisOss(script);
    if (rewritten === script) return argv;
    this.serverSha.set(sha1Hex(script), sha1Hex(rewritten));
    return argv.map((arg, i) => (i === index ? rewritten : arg));
  }
}
