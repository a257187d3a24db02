/**
 * RESP2 reply values as the embedded engine produces them.
 *
 * Redis distinguishes bulk strings from status ("simple") strings and carries errors as
 * values inside arrays (EXEC, Lua tables), so both get a class here; plain JS strings are
 * bulk strings, numbers are integer replies and null is the nil bulk / nil array.
 * See https://redis.io/docs/latest/develop/reference/protocol-spec/#resp-protocol-description
 */
export type Reply = string | number | null | StatusReply | ErrorReply | readonly Reply[];

export class StatusReply {
  constructor(readonly message: string) {}
}

export class ErrorReply {
  constructor(readonly message: string) {}
}

export const OK = new StatusReply("OK");

/**
 * Thrown by command implementations; the dispatcher turns it into an ErrorReply so that a
 * failing command deep inside a helper (WRONGTYPE, syntax) needs no error plumbing.
 */
export class RedisError extends Error {
  override readonly name = "RedisError";
}

/** Redis' own wording for the common errors, so both transports fail with the same text. */
export const errors = {
  wrongType: () =>
    new RedisError("WRONGTYPE Operation against a key holding the wrong kind of value"),
  syntax: () => new RedisError("ERR syntax error"),
  notInteger: () => new RedisError("ERR value is not an integer or out of range"),
  notFloat: () => new RedisError("ERR value is not a valid float"),
  overflow: () => new RedisError("ERR increment or decrement would overflow"),
  nanOrInfinity: () => new RedisError("ERR increment would produce NaN or Infinity"),
  noSuchKey: () => new RedisError("ERR no such key"),
  invalidExpire: (command: string) =>
    new RedisError(`ERR invalid expire time in '${command}' command`),
  wrongArity: (command: string) =>
    new RedisError(`ERR wrong number of arguments for '${command}' command`),
  outOfRangePositive: () => new RedisError("ERR value is out of range, must be positive"),
  minMaxNotFloat: () => new RedisError("ERR min or max is not a float"),
};

/** Array.isArray does not narrow readonly arrays out of a union; this does. */
export function isReplyArray(reply: Reply): reply is readonly Reply[] {
  return Array.isArray(reply);
}
