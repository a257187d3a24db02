/**
 * Preloaded into a benched server (`--import ./bench/profile-hook.ts`) when BENCH_PROFILE_DIR is
 * set: SIGUSR2 starts a V8 CPU profile, the next SIGUSR2 writes it to that folder, so a profile
 * covers load windows only, not start-up (`--cpu-prof` would record the whole life).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  let recording = false;
  let count = 0;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  process.on("SIGUSR2", () => {
    if (!recording) {
      recording = true;
      void post("Profiler.start");
      return;
    }
    recording = false;
    void post("Profiler.stop").then((result) => {
      const { profile } = result as { profile: unknown };
      writeFileSync(
        join(dir, `load-${process.pid}-${++count}.cpuprofile`),
        JSON.stringify(profile),
      );
      process.stdout.write(`profile written ${count}\n`);
    });
  });
}
