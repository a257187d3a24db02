/** `npm run start:bun`: the same app under Bun.serve. */
import { announce, bootOrExit, gracefulShutdown } from "./boot.ts";

interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
declare const Bun: {
  version: string;
  serve(options: {
    port: number;
    fetch(request: Request): Promise<Response>;
    idleTimeout?: number;
  }): BunServer;
};

const booted = await bootOrExit(process.env, (code) => process.exit(code));
const server = Bun.serve({
  port: booted.port,
  fetch: booted.app.fetch,
  // Bun closes idle sockets after 10 s by default; a slow model's first token can take longer.
  idleTimeout: 255,
});
announce(booted, server.port, `bun ${Bun.version}`);

const shutdown = gracefulShutdown(
  booted,
  () => server.stop(),
  (code) => process.exit(code),
);
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
