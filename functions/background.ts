/**
 * Work that must finish after the response has gone (usage records, audit events): the
 * `waitUntil` of serverless platforms. Every task is tracked so a Node server can drain them on
 * SIGTERM and tests can wait for them instead of sleeping. Failures are logged, never thrown at
 * the caller: the response has already been sent.
 */
import type { Logger } from "./log.ts";

export interface BackgroundTasks {
  run(label: string, task: () => Promise<unknown>): void;
  /** Resolves once every task started so far (and any they started) has settled. */
  drain(): Promise<void>;
}

export function createBackgroundTasks(options: {
  log: Logger;
  /** The platform's waitUntil (Vercel, Deno Deploy), so the instance is kept alive for the task. */
  waitUntil?: (promise: Promise<unknown>) => void;
}): BackgroundTasks {
  const pending = new Set<Promise<unknown>>();
  return {
    run(label, task) {
      const promise = Promise.resolve()
        .then(task)
        .catch((error: unknown) => options.log.error("background task failed", { label, error }))
        .finally(() => pending.delete(promise));
      pending.add(promise);
      options.waitUntil?.(promise);
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
