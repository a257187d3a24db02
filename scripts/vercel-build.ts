/**
 * `npm run vercel-build`: what Vercel runs as the build step (vercel.json "buildCommand").
 * It migrates the database the deployment will use, so no request ever migrates; a deployed
 * function starts with `migrate: false` (api/index.ts). Previews migrate their own database:
 * point DATABASE_URL of the Preview environment at a Neon branch (README, "Deploy").
 *
 * The only static file is public/robots.txt (an API is not for crawlers): Vercel wants an output
 * directory after a build command.
 *
 * A Vercel build without DATABASE_URL is refused: its functions could not start (production
 * refuses the embedded database, and a function's file system is not a database anyway).
 */
import { spawnSync } from "node:child_process";
import process from "node:process";

const target = process.env.VERCEL_ENV;
if (target && !process.env.DATABASE_URL) {
  console.error(
    `vercel-build: DATABASE_URL is not set for the ${target} environment; set it in the ` +
      "project's environment variables (a Neon branch for previews).",
  );
  process.exit(1);
}
const migrate = spawnSync("npm", ["run", "--silent", "db:migrate"], { stdio: "inherit" });
process.exit(migrate.status ?? 1);
