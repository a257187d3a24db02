/**
 * Command lookup and the checks Redis makes before running a command: does it exist, is the
 * argument count right (Redis' arity: positive = exact, negative = at least, both counting the
 * command name; https://redis.io/docs/latest/commands/command/#arity), and may the caller run
 * it (scripts may not run EVAL or write from read-only scripts).
 */
import type { Keyspace } from "./keyspace.ts";
import { ErrorReply, RedisError, type Reply } from "./reply.ts";

export type CommandFlag = "write" | "noscript";

export interface ScriptCaller {
  /** EVAL_RO, or a script declared `#!lua flags=no-writes`. */
  readonly readOnly: boolean;
}

/** What a command runs against; `caller` is set when a Lua script issued the command. */
export interface CommandContext {
  readonly keyspace: Keyspace;
  readonly scripting: Scripting;
  readonly caller: ScriptCaller | undefined;
}

/** EVAL and SCRIPT live in the Lua bridge; commands reach it through this. */
export interface Scripting {
  evaluate(request: ScriptRequest): Reply;
  load(body: string): string;
  exists(sha: string): boolean;
  flush(): void;
}

export interface ScriptRequest {
  readonly body?: string;
  readonly sha?: string;
  readonly keys: readonly string[];
  readonly args: readonly string[];
  readonly readOnly: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  readonly run: (ctx: CommandContext, args: readonly string[]) => Reply;
}

export function command(
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  run: CommandSpec["run"],
): CommandSpec {
  return { name, arity, flags, run };
}

export class CommandTable {
  private readonly specs = new Map<string, CommandSpec>();

  constructor(groups: readonly (readonly CommandSpec[])[]) {
    for (const group of groups) for (const spec of group) this.specs.set(spec.name, spec);
  }

  has(name: string): boolean {
    return this.specs.has(name.toLowerCase());
  }

  /** Why this command line would be refused before running, or undefined when it is fine. */
  reject(argv: readonly string[], caller: ScriptCaller | undefined): string | undefined {
    const name = argv[0] ?? "";
    const spec = this.specs.get(name.toLowerCase());
    if (!spec) {
      if (caller) return "ERR Unknown Redis command called from script";
      const shown = argv
        .slice(1)
        .map((arg) => `'${arg}' `)
        .join("");
      return `ERR unknown command '${name}', with args beginning with: ${shown}`;
    }
    const count = argv.length;
    if ((spec.arity > 0 && count !== spec.arity) || (spec.arity < 0 && count < -spec.arity)) {
      if (caller) return "ERR Wrong number of args calling Redis command from script";
      return `ERR wrong number of arguments for '${spec.name}' command`;
    }
    if (caller && spec.flags.includes("noscript")) {
      return "ERR This Redis command is not allowed from script";
    }
    if (caller?.readOnly && spec.flags.includes("write")) {
      return "ERR Write commands are not allowed from read-only scripts.";
    }
    return undefined;
  }

  /** Runs one command; never throws for Redis-level failures, it replies with an error. */
  execute(ctx: CommandContext, argv: readonly string[]): Reply {
    const rejection = this.reject(argv, ctx.caller);
    if (rejection !== undefined) return new ErrorReply(rejection);
    const spec = this.specs.get((argv[0] ?? "").toLowerCase());
    if (!spec) return new ErrorReply("ERR unknown command");
    try {
      return spec.run(ctx, argv.slice(1));
    } catch (error) {
      if (error instanceof RedisError) return new ErrorReply(error.message);
      throw error;
    }
  }
}
