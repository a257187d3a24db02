/** A provider as routing sees it: credentials decrypted, ready to become a ProviderTarget. */
export interface ProviderRecord {
  /** null for built-in and environment providers, which have no row. */
  id: string | null;
  orgId: string | null;
  kind: string;
  name: string;
  baseUrl: string | null;
  apiKey: string | null;
  /** Includes `headers`, opened from their sealed column (see provider-headers.ts). */
  config: Record<string, unknown>;
}
