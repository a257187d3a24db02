/**
 * The Vercel function: /v1/*, /graphql, /health, /ready, /metrics and /cron/* are rewritten here
 * (vercel.json) and served by the same app as every other runtime. Services are started once per
 * warm instance; migrations run in the build step (`npm run vercel-build`), never here.
 *
 * Work after the response (usage records, limit settlement, alerts, trace export) goes to
 * Vercel's `waitUntil`, which keeps the instance alive until it is done instead of freezing it
 * with the work half-finished. Outside a Vercel request it does nothing, so the same file also
 * runs under `vercel dev` and in tests.
 */
import { waitUntil } from "@vercel/functions";
import { type App, createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/config.ts";
import { startServices } from "../functions/services.ts";

let app: Promise<App> | undefined;

function appForThisInstance(): Promise<App> {
  app ??= startServices(loadConfig(process.env), { migrate: false, waitUntil }).then(createApp);
  // A failed start must not poison the instance: the next request tries again.
  app.catch(() => {
    app = undefined;
  });
  return app;
}

async function handle(request: Request): Promise<Response> {
  return (await appForThisInstance()).fetch(request);
}

export const GET = handle;
export const POST = handle;
export const OPTIONS = handle;
