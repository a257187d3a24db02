import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run check:vercel` only: these tests read what `vercel build` wrote (scripts/check-vercel-build.sh).
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/deploy/**/*.vercel.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
