/**
 * Must run before fengari loads: its luaconf.js reads FENGARICONF once, when it loads.
 *
 * LUA_COMPAT_FLOATSTRING makes integral floats print without ".0" (tostring(10/2) == "5"),
 * which is how Redis' Lua 5.1 prints every number. The bridge keeps all script numbers as
 * floats (see numerals.ts), so without this flag `key .. ":" .. n` would differ from Redis.
 */
import process from "node:process";

export function configureFengari(): void {
  const current: unknown = process.env.FENGARICONF ? JSON.parse(process.env.FENGARICONF) : {};
  process.env.FENGARICONF = JSON.stringify({
    ...(typeof current === "object" && current !== null ? current : {}),
    LUA_COMPAT_FLOATSTRING: true,
  });
}
