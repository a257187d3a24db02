/**
 * fengari, loaded after its configuration (fengari-config.ts) and number formatting
 * (fengari-number-format.ts).
 *
 * Loaded with require() in this module's body, not with import: the order of side effects is
 * the point, and Bun evaluates CommonJS packages imported by ESM ahead of their ESM siblings,
 * which would load fengari before it is configured (tostring(10/2) would be "5.0").
 */
import { createRequire } from "node:module";
import { configureFengari } from "./fengari-config.ts";
import { installNumberFormat } from "./fengari-number-format.ts";

const require = createRequire(import.meta.url);
configureFengari();
// defs.js first: defs.js and luaconf.js require each other, and fengari loads defs.js first.
require("fengari/src/defs.js");
installNumberFormat(require("fengari/src/luaconf.js"));
const fengari: typeof import("fengari").default = require("fengari");

export const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
export type { LuaJsFunction, LuaState } from "fengari";

/** Lua strings are bytes; Redis values here are UTF-8 text, invalid bytes become U+FFFD. */
export function toText(bytes: Uint8Array): string {
  return to_jsstring(bytes, undefined, undefined, true);
}
