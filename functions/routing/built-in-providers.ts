/**
 * Providers that exist without any configuration. `mock` answers `mock/echo` deterministically
 * with no network (demos, load tests, the quick start); its name is reserved.
 */
import type { ProviderRecord } from "./provider-record.ts";

export const BUILT_IN_PROVIDERS: readonly ProviderRecord[] = [
  {
    id: null,
    orgId: null,
    kind: "mock",
    name: "mock",
    baseUrl: null,
    apiKey: null,
    config: { models: ["echo"] },
  },
];

export const BUILT_IN_PROVIDER_NAMES: ReadonlySet<string> = new Set(
  BUILT_IN_PROVIDERS.map((provider) => provider.name),
);
