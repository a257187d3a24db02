/**
 * Prints the provider table built from the descriptors; with `--write`, puts it into README.md
 * between its markers (functions/providers/provider-table.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { providerDescriptors } from "../functions/providers/index.ts";
import {
  renderProviderTable,
  TABLE_END,
  TABLE_START,
  withProviderTable,
} from "../functions/providers/provider-table.ts";

const table = renderProviderTable(providerDescriptors());
if (!process.argv.includes("--write")) {
  console.log(table);
} else {
  const path = fileURLToPath(new URL("../README.md", import.meta.url));
  const updated = withProviderTable(readFileSync(path, "utf8"), table);
  if (updated === null) {
    console.error(`README.md has no ${TABLE_START} … ${TABLE_END} section`);
    process.exit(1);
  }
  writeFileSync(path, updated);
  console.log("README.md: provider table updated");
}
