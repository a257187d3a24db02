/**
 * What the benchmarks share: start a bench process (a fake upstream, the gateway's real Node
 * entry) and wait for its banner, an admin GraphQL client, a gateway on a throwaway data
 * directory (embedded stores unless DATABASE_URL/REDIS_URL say otherwise), and percentiles.
 * Used by bench/fallback.ts; bench/overhead.ts repeats the same setup and could use it too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** Runs `tsx <args>` from the repository root; `ready` is the banner's first capture group. */
export function startProcess(args: string[], env: Record<string, string>, banner: RegExp) {
  const child = spawn(join(root, "node_modules/.bin/tsx"), args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
      const match = banner.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { child, ready };
}

/** A fake upstream from bench/ (upstream.ts, failing-upstream.ts): its base URL once listening. */
export function startUpstream(script: string) {
  return startProcess([script], {}, /upstream (\S+)/);
}

export type AdminClient = (
  query: string,
  variables: object,
) => Promise<Record<string, Record<string, unknown>>>;

export function adminClient(base: string, token: string): AdminClient {
  return async (query, variables) => {
    const response = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as {
      data: Record<string, Record<string, unknown>>;
      errors?: unknown;
    };
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
}

export interface BenchGateway {
  child: ChildProcess;
  /** Resolves to the gateway's URL (127.0.0.1, not localhost: no resolver on the path). */
  ready: Promise<string>;
  masterKey: string;
  /** Removes the data directory; the caller stops the child with the others. */
  cleanUp(): Promise<void>;
}

/** The gateway's Node entry on a free port, with a fresh data directory and master key. */
export async function startGateway(): Promise<BenchGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-bench-"));
  const masterKey = `bench-${crypto.randomUUID()}`;
  const started = startProcess(
    ["functions/runtimes/node.ts"],
    {
      PORT: "0",
      SWITCHYARD_DATA_DIR: dataDir,
      MASTER_KEY: masterKey,
      ENCRYPTION_KEY: `bench-encryption-${crypto.randomUUID()}`,
    },
    /listening on (http:\/\/localhost:\d+)/,
  );
  return {
    child: started.child,
    ready: started.ready.then((url) => url.replace("localhost", "127.0.0.1")),
    masterKey,
    cleanUp: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
