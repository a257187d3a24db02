/**
 * The embedded Redis: a keyspace, the command table and the Lua bridge wired together.
 *
 * Everything runs synchronously on the JS thread, so a command, a transaction or a script is
 * atomic by construction: nothing else can run until it returns.
 */
import { type CommandContext, CommandTable, type ScriptCaller } from "./command-table.ts";
import { hashCommands } from "./commands/hashes.ts";
import { keyCommands } from "./commands/keys.ts";
import { listCommands } from "./commands/lists.ts";
import { scriptingCommands } from "./commands/scripting.ts";
import { serverCommands } from "./commands/server.ts";
import { setCommands } from "./commands/sets.ts";
import { sortedSetCommands } from "./commands/sorted-sets.ts";
import { stringCommands } from "./commands/strings.ts";
import { Keyspace } from "./keyspace.ts";
import { LuaScripting } from "./lua/scripting.ts";
import { NATIVE_SCRIPTS } from "./native/registry.ts";
import type { NativeScript } from "./native/twin.ts";
import { ErrorReply, type Reply } from "./reply.ts";

export interface EmbeddedRedisOptions {
  /** Active expiry cycle period; Redis runs it 10 times a second (hz 10). */
  sweepIntervalMs?: number;
  /** Scripts running longer are aborted (see LuaScripting). */
  scriptTimeLimitMs?: number;
  /**
   * JavaScript twins of known scripts by SHA1 (default: the gateway's, native/registry.ts);
   * an empty map runs every script in the Lua VM.
   */
  nativeScripts?: ReadonlyMap<string, NativeScript>;
}

const EXEC_ABORT = "EXECABORT Transaction discarded because of previous errors.";

export class EmbeddedRedis {
  readonly keyspace = new Keyspace();
  private readonly table = new CommandTable([
    stringCommands,
    keyCommands,
    hashCommands,
    sortedSetCommands,
    listCommands,
    setCommands,
    serverCommands,
    scriptingCommands,
  ]);
  private readonly scripting: LuaScripting;

  constructor(options: EmbeddedRedisOptions = {}) {
    this.scripting = new LuaScripting({
      dispatch: (argv, run) => this.run(argv, run),
      atomically: (fn) => this.keyspace.atomically(fn),
      timeLimitMs: options.scriptTimeLimitMs ?? 5_000,
      natives: options.nativeScripts ?? NATIVE_SCRIPTS,
    });
    this.keyspace.startSweeping(options.sweepIntervalMs ?? 100);
  }

  /** One client command, e.g. ["SET", "k", "v"]. Redis errors come back as ErrorReply. */
  execute(argv: readonly string[]): Reply {
    return this.run(argv, undefined);
  }

  /**
   * MULTI ... EXEC: if any command is refused while queueing (unknown, wrong arity) nothing
   * runs and EXEC fails with EXECABORT; otherwise all run back to back and each gets its own
   * reply, errors included (https://redis.io/docs/latest/develop/interact/transactions/#errors-inside-a-transaction).
   */
  executeTransaction(commands: readonly (readonly string[])[]): readonly Reply[] | ErrorReply {
    if (commands.some((argv) => this.table.reject(argv, undefined) !== undefined)) {
      return new ErrorReply(EXEC_ABORT);
    }
    return this.keyspace.atomically(() => commands.map((argv) => this.run(argv, undefined)));
  }

  /** Stops the expiry timer (it is unref'd, so this is only needed for tidy shutdowns). */
  close(): void {
    this.keyspace.stopSweeping();
  }

  private run(argv: readonly string[], caller: ScriptCaller | undefined): Reply {
    const ctx: CommandContext = { keyspace: this.keyspace, scripting: this.scripting, caller };
    if (argv.length === 0) return new ErrorReply("ERR empty command");
    return this.table.execute(ctx, argv);
  }
}
