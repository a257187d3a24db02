/**
 * Installed after fengari-config.ts and before the rest of fengari loads: lobject.js copies
 * `lua_number2str` out of luaconf.js when it loads, so it must be replaced first.
 *
 * Lua 5.1 (Redis) turns numbers into strings with printf("%.14g") for tostring, `..` and
 * string.format("%s"). fengari uses JavaScript's formatting instead, which differs outside
 * 1e-6..1e21 and for special values: Redis gives tostring(1e15) == "1e+15",
 * tostring(0.00001) == "1e-05", tostring(1/0) == "inf" and tostring(0/0) == "-nan"; fengari
 * gave "1000000000000000", "0.00001", "Infinity" and "NaN". Microsecond timestamps (16 digits)
 * built into keys are where scripts meet this.
 */
import { formatG } from "../numbers.ts";

/** glibc prints a NaN's sign: on x86-64, 0/0 is a negative NaN ("-nan"), -(0/0) is "nan". */
function nanText(value: number): string {
  const bytes = new Uint8Array(new Float64Array([value]).buffer);
  return (bytes[7] ?? 0) & 0x80 ? "-nan" : "nan";
}

export function lua51NumberToString(value: number): string {
  return Number.isNaN(value) ? nanText(value) : formatG(value, 14);
}

/** luaconf.js' exports, whose number formatter lobject.js will copy. */
export function installNumberFormat(luaconf: { lua_number2str: (value: number) => string }): void {
  luaconf.lua_number2str = lua51NumberToString;
}
