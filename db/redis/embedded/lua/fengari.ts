/** fengari, loaded after its configuration (see fengari-config.ts). */
import "./fengari-config.ts";
import fengari from "fengari";

export const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
export type { LuaJsFunction, LuaState } from "fengari";

/** Lua strings are bytes; Redis values here are UTF-8 text, invalid bytes become U+FFFD. */
export function toText(bytes: Uint8Array): string {
  return to_jsstring(bytes, undefined, undefined, true);
}
