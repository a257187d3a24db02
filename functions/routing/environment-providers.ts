/**
 * Global providers made from environment credentials (DESIGN.md: OPENAI_API_KEY, … → the provider
 * is available; absent → unavailable). Each is named after its kind: `openai/gpt-4o-mini`.
 */
import type { Config } from "../config.ts";
import { isProviderKindSupported } from "../providers/index.ts";
import type { ProviderRecord } from "./provider-record.ts";

export function environmentProviders(config: Config): ProviderRecord[] {
  return Object.entries(config.providerApiKeys)
    .filter(([kind]) => isProviderKindSupported(kind))
    .map(([kind, apiKey]) => ({
      id: null,
      orgId: null,
      kind,
      name: kind,
      baseUrl: null,
      apiKey,
      config: {},
    }));
}
