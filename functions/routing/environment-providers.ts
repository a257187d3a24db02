/**
 * Global providers made from environment credentials (DESIGN.md: OPENAI_API_KEY, … → the provider
 * is available; absent → unavailable). Each is named after its kind: `openai/gpt-4o-mini`. Which
 * variables a kind reads is its descriptor's business (config.ts); a kind that needs a base URL
 * is available only when its base URL variable is set too.
 */
import type { Config } from "../config.ts";
import { isProviderKindSupported, requiresBaseUrl } from "../providers/index.ts";
import type { ProviderRecord } from "./provider-record.ts";

export function environmentProviders(config: Config): ProviderRecord[] {
  return Object.entries(config.providerCredentials)
    .filter(([kind]) => isProviderKindSupported(kind))
    .filter(([kind, credentials]) => credentials.baseUrl !== null || !requiresBaseUrl(kind))
    .map(([kind, credentials]) => ({
      id: null,
      orgId: null,
      kind,
      name: kind,
      baseUrl: credentials.baseUrl,
      apiKey: credentials.apiKey,
      config: credentials.config,
    }));
}
