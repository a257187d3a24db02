/** `npm run start:deno`: the same app under Deno.serve. */
import { announce, bootOrExit, gracefulShutdown } from "./boot.ts";

interface DenoServer {
  addr: { port: number };
  shutdown(): Promise<void>;
}
declare const Deno: {
  version: { deno: string };
  env: { toObject(): Record<string, string> };
  serve(
    options: { port: number; onListen?: (addr: { port: number }) => void },
    handler: (request: Request) => Promise<Response>,
  ): DenoServer;
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
};

const booted = await bootOrExit(Deno.env.toObject(), (code) => Deno.exit(code));
const server = Deno.serve({ port: booted.port, onListen: () => {} }, booted.app.fetch);
announce(booted, server.addr.port, `deno ${Deno.version.deno}`);

const shutdown = gracefulShutdown(
  booted,
  () => server.shutdown(),
  (code) => Deno.exit(code),
);
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
