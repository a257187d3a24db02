/**
 * Native twins: JavaScript implementations of the gateway's own Lua scripts, run by the
 * embedded engine instead of the fengari VM when EVAL/EVALSHA names a script whose SHA1 has a
 * twin (registry.ts). The Lua stays the one truth: real Redis and Upstash run it, the twin is
 * registered under the SHA1 of the exact Lua text, so an edited script has a new SHA1 and runs
 * in fengari until its twin is updated (test/redis/native-scripts.test.ts fails meanwhile).
 *
 * A twin must behave as the Lua does in fengari: the same commands in the same order through
 * the same dispatcher (so key writes, TTLs and command errors are the engine's own), the same
 * number conversions (Lua's tonumber, %.14g for tostring, %.17g for numbers passed to
 * redis.call, truncation of numbers in replies) and the same error text, line included.
 * Where the arguments fall outside what the twin reproduces exactly (a number spelled in a
 * form only Lua's reader knows, too few arguments), it declines before its first write and
 * the script runs in fengari from the start. Known gaps, none reachable from the gateway's
 * own data: a stored value with a lone surrogate (fengari would mend it to U+FFFD), and a
 * loop the VM would stop at its time limit stops here after as many turns as it can take.
 */
import { lua51NumberToString } from "../lua/fengari-number-format.ts";
import { formatG17 } from "../numbers.ts";
import type { Reply } from "../reply.ts";

/** What a twin runs against: redis.call and Lua's tonumber for stored values. */
export interface NativeHost {
  /**
   * redis.call from the script line `line`: numbers go as Lua passes them (%.17g); an error
   * reply is raised as Lua raises it (NativeScriptError, with the script position).
   */
  call(line: number, ...argv: (string | number)[]): Reply;
  /** Lua's tonumber (the sandbox's, so a float) of a stored string; undefined for nil. */
  toNumber(text: string): number | undefined;
  /** The error a script past its time limit ends with, raised from line `line`. */
  timeLimit(line: number): NativeScriptError;
}

/** A twin's answer: the reply, or DECLINE (nothing written yet) to have fengari run it. */
export const DECLINE: unique symbol = Symbol("decline");

export interface NativeScript {
  /** Which script this twins, for messages and tests (e.g. "functions/limits RESERVE_SCRIPT"). */
  readonly name: string;
  run(host: NativeHost, keys: readonly string[], args: readonly string[]): Reply | typeof DECLINE;
}

/** A Lua error raised inside a twin; the message is final (position included). */
export class NativeScriptError extends Error {
  override readonly name = "NativeScriptError";
}

/**
 * Arguments a twin reads as numbers must look like this, or it declines: decimal digits, an
 * optional fraction and exponent. fengari reads such text as an integer when it fits 32 bits
 * and with parseFloat otherwise, both the value Number() gives (limits in nano-USD run to 16
 * digits and more).
 */
const PLAIN_NUMBER = /^-?[0-9]{1,40}(\.[0-9]{1,40})?([eE][+-]?[0-9]{1,4})?$/;
const PLAIN_INTEGER = /^-?[0-9]{1,15}$/;

/**
 * tonumber(text) for the plain decimals PLAIN_NUMBER accepts, exactly as fengari reads them,
 * plus the sandbox's `+ 0.0`, which also turns -0 into 0. undefined when the text is not that
 * plain.
 */
export function plainNumber(text: string | undefined): number | undefined {
  if (text === undefined || !PLAIN_NUMBER.test(text)) return undefined;
  return Number(text) + 0;
}

/** Lua's tonumber of a stored string: the plain integers inline, the rest through the host. */
export function storedNumber(host: NativeHost, reply: Reply): number | undefined {
  if (typeof reply !== "string") return undefined;
  if (PLAIN_INTEGER.test(reply)) return Number(reply) + 0;
  return host.toNumber(reply);
}

/** num(value) of the limits scripts: tonumber(value) or 0. */
export function storedNumberOr0(host: NativeHost, reply: Reply): number {
  return storedNumber(host, reply) ?? 0;
}

/** Lua 5.3's float modulo (fengari's luai_nummod): the result takes the divisor's sign. */
export function luaMod(a: number, b: number): number {
  let m = a % b;
  if (m > 0 ? b < 0 : m < 0 && b !== m) m += b;
  return m;
}

/** The sandbox's math.floor: floor(x) + 0.0, so never -0. */
export function luaFloor(value: number): number {
  return Math.floor(value) + 0;
}

/** math.min(a, b): a unless b < a (so NaN stays where Lua leaves it). */
export function luaMin(a: number, b: number): number {
  // biome-ignore lint/complexity/useMathMinMax: Math.min answers NaN where Lua answers a.
  return b < a ? b : a;
}

/** math.max(a, b): a unless a < b. */
export function luaMax(a: number, b: number): number {
  // biome-ignore lint/complexity/useMathMinMax: Math.max answers NaN where Lua answers a.
  return a < b ? b : a;
}

/** tostring(number) in the sandbox: Lua 5.1's %.14g. */
export function luaToString(value: number): string {
  return lua51NumberToString(value);
}

/** How a number reaches a command from redis.call: %.17g. */
export function commandNumber(value: number): string {
  return formatG17(value);
}

/** Keys and arguments a twin accepts: well-formed text (fengari would mend a lone surrogate). */
export function allWellFormed(values: readonly string[]): boolean {
  for (const value of values) if (LONE_SURROGATE.test(value)) return false;
  return true;
}

/** With the u flag a surrogate pair is one code point, so only a lone half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A small non-negative integer count (#rates, #budgets) or undefined. */
export function plainCount(text: string | undefined, max: number): number | undefined {
  const value = plainNumber(text);
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= max
    ? value
    : undefined;
}
