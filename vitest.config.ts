import { defineConfig } from "vitest/config";

// One suite, three backends: the environment picks them (see README, "Tests").
// No variables → embedded PGlite + embedded Redis; DATABASE_URL / REDIS_URL → the real services.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds the database template every test database is copied from (test/support/database.ts).
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
