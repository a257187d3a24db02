/** Connection and server commands that make sense in-process. */
import { command } from "../command-table.ts";
import { errors, StatusReply } from "../reply.ts";

export const serverCommands = [
  // PING replies with a status, PING message with a bulk string (like Redis).
  command("ping", -1, [], (_ctx, args) => {
    if (args.length > 1) throw errors.wrongArity("ping");
    return args[0] ?? new StatusReply("PONG");
  }),
  command("echo", 2, [], (_ctx, [message = ""]) => message),
  // TIME: [unix seconds, microseconds] as bulk strings (https://redis.io/docs/latest/commands/time/).
  command("time", 1, [], () => {
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    return [String(Math.floor(micros / 1_000_000)), String(micros % 1_000_000)];
  }),
];
