/**
 * EVAL, EVALSHA, their _RO variants and SCRIPT LOAD | EXISTS | FLUSH
 * (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/). The Lua work
 * itself happens in ../lua; these parse arguments the way eval.c does.
 */
import { type CommandContext, command, type ScriptRequest } from "../command-table.ts";
import { integerArg } from "../numbers.ts";
import { errors, OK, RedisError, type Reply } from "../reply.ts";

function evaluate(by: "body" | "sha", readOnly: boolean) {
  return (
    ctx: CommandContext,
    [script = "", numKeysText = "", ...rest]: readonly string[],
  ): Reply => {
    const numKeys = integerArg(numKeysText);
    if (numKeys < 0) throw new RedisError("ERR Number of keys can't be negative");
    if (numKeys > rest.length) {
      throw new RedisError("ERR Number of keys can't be greater than number of args");
    }
    const request: ScriptRequest = {
      ...(by === "body" ? { body: script } : { sha: script.toLowerCase() }),
      keys: rest.slice(0, numKeys),
      args: rest.slice(numKeys),
      readOnly,
    };
    return ctx.scripting.evaluate(request);
  };
}

function script(ctx: CommandContext, [subcommand = "", ...args]: readonly string[]): Reply {
  switch (subcommand.toUpperCase()) {
    case "LOAD":
      if (args.length !== 1) throw errors.wrongArity("script|load");
      return ctx.scripting.load(args[0] ?? "");
    case "EXISTS":
      if (args.length === 0) throw errors.wrongArity("script|exists");
      return args.map((sha) => (ctx.scripting.exists(sha.toLowerCase()) ? 1 : 0));
    case "FLUSH": {
      const mode = args[0]?.toUpperCase();
      if (args.length > 1 || (mode !== undefined && mode !== "ASYNC" && mode !== "SYNC")) {
        throw new RedisError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
      }
      ctx.scripting.flush();
      return OK;
    }
    default:
      throw new RedisError(`ERR unknown subcommand '${subcommand}'. Try SCRIPT HELP.`);
  }
}

export const scriptingCommands = [
  // noscript: a script may not start another script (Redis refuses it the same way).
  command("eval", -3, ["noscript"], evaluate("body", false)),
  command("evalsha", -3, ["noscript"], evaluate("sha", false)),
  command("eval_ro", -3, ["noscript"], evaluate("body", true)),
  command("evalsha_ro", -3, ["noscript"], evaluate("sha", true)),
  command("script", -2, ["noscript"], script),
];
