/**
 * Error messages in Lua 5.1's words. Redis runs Lua 5.1 and fengari is Lua 5.3, whose VM and
 * parser phrase a few errors differently; scripts (and tests) that match on messages should
 * see what Redis sends. Compared against Redis 7.0's replies.
 */

/**
 * Runtime errors naming a variable: 5.3 says "attempt to index a nil value (local 'x')",
 * 5.1 "attempt to index local 'x' (a nil value)" (ldebug.c luaG_typeerror). The same holds
 * for call, perform arithmetic on, concatenate and get length of.
 */
const VARIABLE_INFO =
  /attempt to ([a-z ]+?) an? (\w+) value \((global|local|method|field|upvalue|constant) '([^']*)'\)/g;

export function lua51RuntimeMessage(message: string): string {
  return message.replace(
    VARIABLE_INFO,
    (_match, operation: string, type: string, kind: string, name: string) =>
      `attempt to ${operation} ${kind} '${name}' (a ${type} value)`,
  );
}

/**
 * Syntax errors at the end of the script: 5.3 prints the token bare ("near <eof>"), 5.1
 * quotes it like any other token ("near '<eof>'", llex.c luaX_lexerror with LUA_QS).
 */
export function lua51SyntaxMessage(message: string): string {
  return message.replace(/ near <eof>$/, " near '<eof>'");
}
