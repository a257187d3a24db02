/** drizzle-kit: `npm run db:generate` diffs db/schema against db/migrations and writes a new folder. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
