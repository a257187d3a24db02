/**
 * Providers that exist without any configuration: those whose descriptor says so (`mock`, which
 * answers `mock/echo` deterministically with no network: demos, load tests, the quick start).
 * Each is named after its kind, and that name is reserved.
 */
import { providerDescriptors } from "../providers/index.ts";
import type { ProviderRecord } from "./provider-record.ts";

export const BUILT_IN_PROVIDERS: readonly ProviderRecord[] = providerDescriptors().flatMap(
  ({ kind, builtIn }) =>
    builtIn
      ? [
          {
            id: null,
            orgId: null,
            kind,
            name: kind,
            baseUrl: null,
            apiKey: null,
            config: { models: [...builtIn.models] },
          },
        ]
      : [],
);

export const BUILT_IN_PROVIDER_NAMES: ReadonlySet<string> = new Set(
  BUILT_IN_PROVIDERS.map((provider) => provider.name),
);
