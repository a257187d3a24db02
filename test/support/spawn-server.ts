/**
 * Starts Switchyard as a user would (an npm script) in a child process on a free port with its
 * own data folder, and reads what it prints: the URL and the generated master key.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { STOPPED_MESSAGE } from "../../functions/runtimes/boot.ts";

export interface SpawnedServer {
  baseUrl: string;
  masterKey: string;
  output(): string;
  /** SIGTERM; `clean` when every process exited in time and the runtime said it stopped. */
  stop(): Promise<{ clean: boolean; output: string }>;
}

const STARTUP_TIMEOUT_MS = 60_000;
// Generous: under a full parallel test run a loaded machine can take a while to drain.
const STOP_TIMEOUT_MS = 30_000;

export async function spawnServer(
  script: string,
  env: Record<string, string> = {},
): Promise<SpawnedServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-e2e-"));
  const child = spawn("npm", ["run", "--silent", script], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      ...withoutServiceVariables(process.env),
      PORT: "0",
      SWITCHYARD_DATA_DIR: dataDir,
      NO_COLOR: "1",
      ...env,
    },
    // Own process group, so stop() reaches the runtime behind npm and sh.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  child.stderr?.on("data", (data: Buffer) => {
    output += data.toString();
  });

  try {
    const { baseUrl, masterKey } = await waitForBanner(child, () => output);
    return {
      baseUrl,
      masterKey,
      output: () => output,
      stop: async () => {
        // The whole group gets SIGTERM, as from a supervisor. npm itself dies of the signal, so
        // the runtime's exit code is not observable through it; what the runtime printed is, and
        // stdout closes only once every process holding it (the runtime included) has exited.
        const closed = new Promise<void>((resolve) => child.stdout?.once("close", resolve));
        if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
        const timedOut = await Promise.race([
          closed.then(() => false),
          sleep(STOP_TIMEOUT_MS).then(() => true),
        ]);
        if (timedOut && child.pid) process.kill(-child.pid, "SIGKILL");
        await rm(dataDir, { recursive: true, force: true });
        return { clean: !timedOut && output.includes(STOPPED_MESSAGE), output };
      },
    };
  } catch (error) {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

function waitForBanner(
  child: ChildProcess,
  output: () => string,
): Promise<{ baseUrl: string; masterKey: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error("server did not start in time")),
      STARTUP_TIMEOUT_MS,
    );
    const check = () => {
      const url = /listening on (http:\/\/localhost:\d+)/.exec(output())?.[1];
      const key = /^\s+(sya-[0-9A-Za-z]{36})\s*$/m.exec(output())?.[1];
      if (url && key) finish(null, { baseUrl: url, masterKey: key });
    };
    const onExit = (code: number | null) =>
      finish(new Error(`server exited with ${code} before listening:\n${output()}`));
    const finish = (error: Error | null, value?: { baseUrl: string; masterKey: string }) => {
      clearTimeout(timer);
      child.stdout?.off("data", check);
      child.off("exit", onExit);
      if (error || !value) reject(error);
      else resolve(value);
    };
    child.stdout?.on("data", check);
    child.once("exit", onExit);
  });
}

/** The quick start is about embedded storage: never let CI's service variables leak in. */
function withoutServiceVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (
      /^(DATABASE_URL|REDIS_URL|UPSTASH_|MASTER_KEY|ENCRYPTION_KEY|SWITCHYARD_|PORT$|NODE_ENV$)/.test(
        name,
      )
    )
      continue;
    out[name] = value;
  }
  return out;
}
