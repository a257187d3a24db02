/** `npm start`: the app on Node's http server (node-server.ts), drained on SIGTERM/SIGINT. */
import { Agent } from "undici";
import { announce, bootOrExit, gracefulShutdown } from "./boot.ts";
import { createRequestFetch } from "./node-fetch.ts";
import { serveNode } from "./node-server.ts";

// Upstream calls go over undici's request (node-fetch.ts), not the WHATWG fetch; where private
// upstreams are refused, through the connect-time guard's Agent.
const booted = await bootOrExit(
  process.env,
  (code) => process.exit(code),
  async (config) => ({
    fetch: createRequestFetch(
      config.allowPrivateUpstreams
        ? new Agent()
        : (await import("../security/node-connect-guard.ts")).createGuardedAgent(),
    ),
  }),
);
const server = serveNode(booted.app, { port: booted.port }, (port) =>
  announce(booted, port, `node ${process.version}`),
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
