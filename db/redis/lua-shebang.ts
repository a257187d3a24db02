/**
 * Script shebangs (`#!lua flags=no-writes`), Redis 7's way of declaring script flags
 * (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/#eval-flags).
 *
 * @upstash/ratelimit 2.1+ starts its scripts with `#!lua flags=allow-key-locking`, a flag only
 * Upstash knows; Redis 7 OSS refuses the script ("Unexpected flag in script shebang"). The
 * embedded engine accepts it, and the TCP transport rewrites the shebang before sending.
 */

/** Flags Redis 7 OSS accepts (eval.c scripts_flags_def). */
export const REDIS_SCRIPT_FLAGS: readonly string[] = [
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
];

/** Flags Upstash adds; they change nothing for a single-threaded server, so they are ignored. */
export const UPSTASH_SCRIPT_FLAGS: readonly string[] = ["allow-key-locking"];

export type ParsedScript =
  | { readonly ok: true; readonly flags: readonly string[]; readonly body: string }
  | { readonly ok: false; readonly error: string };

/**
 * Splits a script into its flags and the Lua to compile, with Redis' checks and messages
 * (eval.c evalExtractShebangFlags). The body keeps the shebang's line break so that error
 * line numbers match the script as written, as in Redis.
 */
export function parseScript(script: string, knownFlags: readonly string[]): ParsedScript {
  if (!script.startsWith("#!")) return { ok: true, flags: [], body: script };
  const end = script.indexOf("\n");
  if (end < 0) return { ok: false, error: "ERR Invalid script shebang" };
  const [engine = "", ...options] = script.slice(0, end).trim().split(/\s+/);
  if (engine !== "#!lua") {
    return { ok: false, error: `ERR Unexpected engine in script shebang: ${engine}` };
  }
  const flags: string[] = [];
  for (const option of options) {
    if (!option.startsWith("flags=")) {
      return { ok: false, error: `ERR Unknown lua shebang option: ${option}` };
    }
    for (const flag of option.slice("flags=".length).split(",")) {
      if (flag === "") continue;
      if (!knownFlags.includes(flag)) {
        return { ok: false, error: `ERR Unexpected flag in script shebang: ${flag}` };
      }
      flags.push(flag);
    }
  }
  return { ok: true, flags, body: script.slice(end) };
}

/**
 * The script as Redis 7 OSS will take it: flags it does not know are dropped, and a shebang
 * left without flags is removed (its line break stays, so line numbers do not move). Scripts
 * without such flags come back unchanged, so their SHA1 stays the same.
 */
export function forRedisOss(script: string): string {
  const parsed = parseScript(script, [...REDIS_SCRIPT_FLAGS, ...UPSTASH_SCRIPT_FLAGS]);
  if (!parsed.ok) return script;
  const kept = parsed.flags.filter((flag) => REDIS_SCRIPT_FLAGS.includes(flag));
  if (kept.length === parsed.flags.length) return script;
  return kept.length > 0 ? `#!lua flags=${kept.join(",")}${parsed.body}` : parsed.body;
}
