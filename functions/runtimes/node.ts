/** `npm start`: the app on Node's http server, drained on SIGTERM/SIGINT. */
import { serve } from "@hono/node-server";
import { announce, bootOrExit, gracefulShutdown } from "./boot.ts";

const booted = await bootOrExit(process.env, (code) => process.exit(code));
const server = serve({ fetch: booted.app.fetch, port: booted.port }, (info) =>
  announce(booted, info.port, `node ${process.version}`),
);

// server.close() stops accepting connections and waits for in-flight responses.
const shutdown = gracefulShutdown(
  booted,
  () =>
    new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    ),
  (code) => process.exit(code),
);
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
