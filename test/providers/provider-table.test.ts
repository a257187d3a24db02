import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { providerDescriptors } from "../../functions/providers/index.ts";
import {
  renderProviderTable,
  TABLE_END,
  TABLE_START,
  withProviderTable,
} from "../../functions/providers/provider-table.ts";

const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");

describe("the README's provider table", () => {
  it("is the table the provider descriptors generate (run `npm run providers:table`)", () => {
    const table = renderProviderTable(providerDescriptors());
    expect(withProviderTable(readme, table)).toBe(readme);
  });

  it("has one row per provider kind", () => {
    const table = renderProviderTable(providerDescriptors());
    for (const { kind } of providerDescriptors()) {
      expect(table).toMatch(new RegExp(`^\\| \`${kind}\` +\\|`, "m"));
    }
  });

  it("is noticed as drifted when a row changes", () => {
    const drifted = readme.replace("`GROQ_API_KEY`", "`GROQ_KEY`    ");
    expect(drifted).not.toBe(readme);
    const table = renderProviderTable(providerDescriptors());
    expect(withProviderTable(drifted, table)).not.toBe(drifted);
  });

  it("cannot be updated in a README without its markers", () => {
    expect(withProviderTable("# no table here", "| x |")).toBeNull();
    expect(readme).toContain(TABLE_START);
    expect(readme).toContain(TABLE_END);
  });
});
