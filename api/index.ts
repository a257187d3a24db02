/**
 * The Vercel function: every path is rewritten here (vercel.json) and served by the same app.
 * Services are started once per warm instance; migrations run in the build step, not here.
 */
import { type App, createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/config.ts";
import { startServices } from "../functions/services.ts";

let app: Promise<App> | undefined;

function appForThisInstance(): Promise<App> {
  app ??= startServices(loadConfig(process.env), { migrate: false }).then(createApp);
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
