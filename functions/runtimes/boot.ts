/**
 * What every long-running entry (Node, Bun, Deno) does before it serves: read the environment,
 * start services (migrations included), build the app, and say how to reach it.
 */
import { type App, createApp } from "../app.ts";
import { type Config, ConfigError, type Env, loadConfig } from "../config.ts";
import { type Services, type StartOptions, startServices } from "../services.ts";

export interface Booted {
  app: App;
  services: Services;
  port: number;
}

/** What an entry may supply once the configuration is known (Node: its own upstream transport). */
export type EntryOptions = (config: Config) => Promise<StartOptions>;

export async function boot(env: Env, entryOptions?: EntryOptions): Promise<Booted> {
  const config = loadConfig(env);
  const services = await startServices(config, await entryOptions?.(config));
  return { app: createApp(services), services, port: config.port };
}

/**
 * boot(), for an entry that has a process to end: a configuration mistake is the operator's to
 * fix, not a bug, so it is printed as one sentence on stderr (no stack trace) and the process
 * exits 1. Any other failure is rethrown with its stack.
 */
export async function bootOrExit(
  env: Env,
  exit: (code: number) => never,
  entryOptions?: EntryOptions,
): Promise<Booted> {
  try {
    return await boot(env, entryOptions);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${CANNOT_START_MESSAGE} ${error.message}`);
    return exit(1);
  }
}

/** The start of the line printed when the configuration is refused. */
export const CANNOT_START_MESSAGE = "Switchyard cannot start:";

export function announce(booted: Booted, actualPort: number, runtime: string): void {
  const { services } = booted;
  const lines = [
    `Switchyard listening on http://localhost:${actualPort} (${runtime}; sql: ${services.sql.driver}, redis: ${services.redis.transport})`,
  ];
  if (services.generatedMasterKey) {
    lines.push(
      `Generated a development master key (saved to ${services.generatedMasterKey.file}, mode 0600; shown only this once):`,
      `  ${services.generatedMasterKey.value}`,
    );
  } else if (!services.config.masterKey) {
    lines.push(`Master key: in ${services.config.dataDir}/master-key`);
  }
  // stdout, not the JSON log: this is for the person who ran `npm start`.
  console.log(lines.join("\n"));
}

/** What a runtime entry prints once it has shut down cleanly; supervisors and tests look for it. */
export const STOPPED_MESSAGE = "Switchyard stopped";

/**
 * The shutdown every entry runs on SIGTERM/SIGINT: stop accepting connections and let in-flight
 * responses (streams included) finish, then close the stores, then exit 0. A second signal while
 * draining is ignored; a failure exits 1.
 */
export function gracefulShutdown(
  booted: Booted,
  stopServer: () => Promise<void>,
  exit: (code: number) => void,
): () => void {
  let stopping = false;
  return () => {
    if (stopping) return;
    stopping = true;
    stopServer()
      .then(() => booted.services.close())
      .then(
        () => {
          console.log(STOPPED_MESSAGE);
          exit(0);
        },
        (error: unknown) => {
          console.error(`Switchyard failed to stop cleanly: ${String(error)}`);
          exit(1);
        },
      );
  };
}
