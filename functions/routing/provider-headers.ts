/**
 * A provider's extra request headers (`config.headers` on createProvider) are credentials as much
 * as its apiKey is (`x-api-key`, `api-key`, a proxy's token), so they are kept the same way: one
 * AES-GCM-sealed JSON object in `providers.headers_ciphertext`, opened only where the gateway
 * builds the provider target, and only their names are ever shown.
 *
 * Rows written before headers were sealed keep them in clear in `config.headers`. Both forms are
 * read (the sealed one wins a name clash), and sealLegacyProviderHeaders() moves clear ones into
 * the sealed column at start, so they do not stay at rest in clear.
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { providers } from "../../db/schema/index.ts";
import type { Keyring } from "../security/keyring.ts";

export type ProviderHeaders = Record<string, string>;

/** RFC 9110 §5.6.2: a header name is a token. */
const headerName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "is not a valid header name");
/** No CR, LF or NUL (header injection), bounded like any stored input. */
const headerValue = z
  .string()
  .max(8192)
  .regex(/^[^\r\n\0]*$/, "may not contain CR, LF or NUL");

export const providerHeadersSchema = z
  .record(headerName, headerValue)
  .refine((headers) => Object.keys(headers).length <= 50, "at most 50 headers");

type ProviderConfig = Record<string, unknown>;

/** The config without its headers: what is stored in clear and may be shown. */
export function configWithoutHeaders(config: ProviderConfig): ProviderConfig {
  const { headers: _headers, ...rest } = config;
  return rest;
}

/**
 * createProvider's `config`, split into what is stored in clear and the headers to seal.
 * Returns a reason when `config.headers` is not a map of header names to values.
 */
export function splitProviderConfig(
  config: ProviderConfig,
): { ok: true; config: ProviderConfig; headers: ProviderHeaders } | { ok: false; reason: string } {
  if (config.headers === undefined) return { ok: true, config, headers: {} };
  const parsed = providerHeadersSchema.safeParse(config.headers);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ["config", "headers", ...(issue?.path ?? []).map(String)].join(".");
    return { ok: false, reason: `${where}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, config: configWithoutHeaders(config), headers: parsed.data };
}

/** The sealed column's value: null when there are no headers. */
export async function sealProviderHeaders(
  keyring: Keyring,
  headers: ProviderHeaders,
): Promise<string | null> {
  return Object.keys(headers).length === 0 ? null : keyring.encrypt(JSON.stringify(headers));
}

/** Every header of a provider row, in clear: the legacy clear form, then the sealed one over it. */
export async function openProviderHeaders(
  keyring: Keyring,
  row: { headersCiphertext: string | null; config: ProviderConfig },
): Promise<ProviderHeaders> {
  const legacy = providerHeadersSchema.safeParse(row.config.headers);
  const sealed = row.headersCiphertext
    ? providerHeadersSchema.parse(JSON.parse(await keyring.decrypt(row.headersCiphertext)))
    : {};
  return { ...(legacy.success ? legacy.data : {}), ...sealed };
}

/**
 * The config an adapter gets: the headers opened into `config.headers`, where adapters read them.
 * A legacy row whose clear headers are malformed is passed on as it is, so the adapter keeps
 * reporting the provider as misconfigured rather than silently calling without them.
 */
export async function configForRouting(
  keyring: Keyring,
  row: { headersCiphertext: string | null; config: ProviderConfig },
): Promise<ProviderConfig> {
  if (hasMalformedLegacyHeaders(row.config)) return row.config;
  const headers = await openProviderHeaders(keyring, row);
  const config = configWithoutHeaders(row.config);
  return Object.keys(headers).length === 0 ? config : { ...config, headers };
}

function hasMalformedLegacyHeaders(config: ProviderConfig): boolean {
  return config.headers !== undefined && !providerHeadersSchema.safeParse(config.headers).success;
}

/**
 * Seals headers that older rows keep in clear in `config.headers`. Idempotent and safe with two
 * instances starting at once: a row is updated only while it still has clear headers.
 */
export async function sealLegacyProviderHeaders(db: Database, keyring: Keyring): Promise<number> {
  const hasClearHeaders = sql`${providers.config} -> 'headers' is not null`;
  const rows = await db.select().from(providers).where(hasClearHeaders);
  let sealed = 0;
  for (const row of rows) {
    if (hasMalformedLegacyHeaders(row.config)) continue;
    const headersCiphertext = await sealProviderHeaders(
      keyring,
      await openProviderHeaders(keyring, row),
    );
    const updated = await db
      .update(providers)
      .set({ headersCiphertext, config: configWithoutHeaders(row.config) })
      .where(and(eq(providers.id, row.id), hasClearHeaders))
      .returning({ id: providers.id });
    sealed += updated.length;
  }
  return sealed;
}
