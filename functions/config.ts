/**
 * Reads the process environment once into a typed Config (DESIGN.md, "Environments").
 * Nothing else in functions/ reads env variables, so every runtime entry passes its own env in.
 */
import { z } from "zod";
import { providerDescriptors } from "./providers/index.ts";
import { MIN_SECRET_LENGTH, secretWeakness } from "./security/secret-strength.ts";

export type Env = Record<string, string | undefined>;

export interface Config {
  /** NODE_ENV=production or VERCEL_ENV=production: refuse unsafe defaults. */
  production: boolean;
  /** The start of every key name the app composes ("sy:"). */
  redisNamespace: string;
  /**
   * Put before every key by the Redis client itself (db/redis.ts), Lua KEYS included: a Vercel
   * preview gets `preview:<deployment id>:` so it never touches production counters; else "".
   */
  redisKeyPrefix: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  sqlDriver: "pg" | "neon" | undefined;
  neonWsProxy: string | undefined;
  upstashUrl: string | undefined;
  upstashToken: string | undefined;
  redisUrl: string | undefined;
  masterKey: string | undefined;
  encryptionKey: string | undefined;
  /**
   * ENCRYPTION_KEY_PREVIOUS: older encryption keys (comma-separated), so provider credentials
   * sealed before a rotation still open until resealed (mutation resealSecrets).
   */
  previousEncryptionKeys: string[];
  /**
   * SWITCHYARD_HASH_KEY: the secret the keyed hashes of virtual keys, admin tokens and grant
   * tokens derive from. Absent: derived from ENCRYPTION_KEY, as before it existed.
   */
  hashKey: string | undefined;
  /** Ed25519 private key (PKCS#8, PEM or base64 DER) that signs audit checkpoints. */
  auditSigningKey: string | undefined;
  allowPrivateUpstreams: boolean;
  maxBodyBytes: number;
  /** Whether /graphql answers introspection and serves GraphiQL (default: outside production). */
  graphqlIntrospection: boolean;
  /** Origins allowed to call /graphql from a browser; none means no CORS headers at all. */
  corsOrigins: string[];
  /**
   * A call to a model no price table knows: `zero` lets it through at cost 0 and flags its usage
   * record (price_known = false); `refuse` answers 400 before calling the upstream.
   */
  unknownPrice: "zero" | "refuse";
  /**
   * Global provider credentials by provider kind, from the variables each provider's descriptor
   * names (OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY + AZURE_OPENAI_ENDPOINT, ...).
   */
  providerCredentials: Record<string, ProviderEnvironment>;
  /** Operations (functions/observability, the cron route): see README, "Deploy". */
  operations: OperationsConfig;
}

/** One provider's settings from the environment; present only when its API key is set. */
export interface ProviderEnvironment {
  apiKey: string;
  /** From the descriptor's base URL variable; null: the kind's default. */
  baseUrl: string | null;
  /** Config fields the descriptor reads from variables (e.g. Azure's apiVersion). */
  config: Record<string, string>;
}

export interface OperationsConfig {
  /** LOG_LEVEL (default info). */
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** CRON_SECRET: the Bearer token Vercel Cron sends; without it the cron routes refuse all. */
  cronSecret: string | undefined;
  /** SWITCHYARD_METRICS_TOKEN: the Bearer token /metrics asks for; without it /metrics is off. */
  metricsToken: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces go there over OTLP/HTTP; unset, tracing costs nothing. */
  otlpEndpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_HEADERS (`name=value,name=value`), e.g. a collector's API key. */
  otlpHeaders: Record<string, string>;
  /** OTEL_SERVICE_NAME (default switchyard). */
  serviceName: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/** `PORT=` is unset, not 0: z.coerce would read "" as 0 (a random port) instead of the default. */
const blankAsAbsent = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/**
 * `SWITCHYARD_CORS_ORIGINS=https://admin.example.com,https://ops.example.com`: each entry must be
 * exactly an origin (scheme, host, optional port), so a typo cannot widen the list; `*` is refused.
 */
const originList = z.preprocess(
  blankAsAbsent,
  z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    )
    .pipe(
      z.array(z.string().refine(isOrigin, "each entry must be an origin like https://host:port")),
    )
    .default([]),
);

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  NODE_ENV: optionalString,
  VERCEL_ENV: optionalString,
  VERCEL_DEPLOYMENT_ID: optionalString,
  VERCEL_GIT_COMMIT_SHA: optionalString,
  LOG_LEVEL: z.preprocess(
    blankAsAbsent,
    z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  ),
  CRON_SECRET: optionalString,
  SWITCHYARD_METRICS_TOKEN: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString,
  OTEL_EXPORTER_OTLP_HEADERS: optionalString,
  OTEL_SERVICE_NAME: optionalString,
  PORT: z.preprocess(blankAsAbsent, z.coerce.number().int().min(0).max(65535).default(8787)),
  SWITCHYARD_DATA_DIR: optionalString,
  DATABASE_URL: optionalString,
  SWITCHYARD_SQL_DRIVER: z.enum(["pg", "neon"]).optional(),
  SWITCHYARD_NEON_WS_PROXY: optionalString,
  UPSTASH_REDIS_REST_URL: optionalString,
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  REDIS_URL: optionalString,
  MASTER_KEY: optionalString,
  ENCRYPTION_KEY: optionalString,
  ENCRYPTION_KEY_PREVIOUS: optionalString,
  SWITCHYARD_HASH_KEY: optionalString,
  SWITCHYARD_AUDIT_SIGNING_KEY: optionalString,
  SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS: z.enum(["true", "false"]).optional(),
  SWITCHYARD_GRAPHQL_INTROSPECTION: z.enum(["true", "false"]).optional(),
  SWITCHYARD_CORS_ORIGINS: originList,
  SWITCHYARD_MAX_BODY_BYTES: z.preprocess(
    blankAsAbsent,
    z.coerce
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024),
  ),
  SWITCHYARD_UNKNOWN_PRICE: z.preprocess(blankAsAbsent, z.enum(["zero", "refuse"]).default("zero")),
});

export function loadConfig(env: Env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid environment: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production" || e.VERCEL_ENV === "production";
  if (production && !e.MASTER_KEY) {
    throw new ConfigError("MASTER_KEY is required in production");
  }
  if (production && !e.ENCRYPTION_KEY) {
    throw new ConfigError("ENCRYPTION_KEY is required in production");
  }
  if (production) requireStrongSecrets(e.MASTER_KEY, e.ENCRYPTION_KEY);
  else if (e.ENCRYPTION_KEY && Array.from(e.ENCRYPTION_KEY).length < MIN_SECRET_LENGTH) {
    // Anywhere: the keyring cannot derive its keys from less, so say so now, not as a crash.
    throw new ConfigError(`ENCRYPTION_KEY must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const previousEncryptionKeys = (e.ENCRYPTION_KEY_PREVIOUS ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  for (const [variable, value] of [
    ...previousEncryptionKeys.map((key) => ["ENCRYPTION_KEY_PREVIOUS", key] as const),
    ["SWITCHYARD_HASH_KEY", e.SWITCHYARD_HASH_KEY] as const,
  ]) {
    if (value !== undefined && Array.from(value).length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`${variable} must be at least ${MIN_SECRET_LENGTH} characters`);
    }
  }
  if (production && e.SWITCHYARD_HASH_KEY) {
    const weakness = secretWeakness(e.SWITCHYARD_HASH_KEY);
    if (weakness) throw new ConfigError(`SWITCHYARD_HASH_KEY ${weakness}: ${SECRET_ADVICE}.`);
  }
  if (Boolean(e.UPSTASH_REDIS_REST_URL) !== Boolean(e.UPSTASH_REDIS_REST_TOKEN)) {
    throw new ConfigError("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN go together");
  }
  return {
    production,
    redisNamespace: "sy:",
    redisKeyPrefix: redisKeyPrefixFor(
      e.VERCEL_ENV,
      e.VERCEL_DEPLOYMENT_ID ?? e.VERCEL_GIT_COMMIT_SHA,
    ),
    port: e.PORT,
    dataDir: e.SWITCHYARD_DATA_DIR ?? "./.switchyard",
    databaseUrl: e.DATABASE_URL,
    sqlDriver: e.SWITCHYARD_SQL_DRIVER,
    neonWsProxy: e.SWITCHYARD_NEON_WS_PROXY,
    upstashUrl: e.UPSTASH_REDIS_REST_URL,
    upstashToken: e.UPSTASH_REDIS_REST_TOKEN,
    redisUrl: e.REDIS_URL,
    masterKey: e.MASTER_KEY,
    encryptionKey: e.ENCRYPTION_KEY,
    previousEncryptionKeys,
    hashKey: e.SWITCHYARD_HASH_KEY,
    auditSigningKey: e.SWITCHYARD_AUDIT_SIGNING_KEY,
    // Outside production a laptop's Ollama or a fake upstream on 127.0.0.1 must be reachable.
    allowPrivateUpstreams: e.SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS
      ? e.SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS === "true"
      : !production,
    maxBodyBytes: e.SWITCHYARD_MAX_BODY_BYTES,
    // Production does not hand its schema to strangers; an operator may open it on purpose.
    graphqlIntrospection: e.SWITCHYARD_GRAPHQL_INTROSPECTION
      ? e.SWITCHYARD_GRAPHQL_INTROSPECTION === "true"
      : !production,
    corsOrigins: e.SWITCHYARD_CORS_ORIGINS,
    unknownPrice: e.SWITCHYARD_UNKNOWN_PRICE,
    providerCredentials: providerCredentialsFrom(env),
    operations: {
      logLevel: e.LOG_LEVEL,
      cronSecret: e.CRON_SECRET,
      metricsToken: e.SWITCHYARD_METRICS_TOKEN,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      otlpHeaders: headerList(e.OTEL_EXPORTER_OTLP_HEADERS),
      serviceName: e.OTEL_SERVICE_NAME ?? "switchyard",
    },
  };
}

/** The OTel spec's `name=value,name=value` (values URL-encoded). */
function headerList(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of value?.split(",") ?? []) {
    const at = entry.indexOf("=");
    if (at <= 0) continue;
    headers[entry.slice(0, at).trim()] = decodeURIComponent(entry.slice(at + 1).trim());
  }
  return headers;
}

/** Each provider's credentials under the variable names its descriptor declares. */
function providerCredentialsFrom(env: Env): Record<string, ProviderEnvironment> {
  const read = (variable: string | undefined) =>
    variable === undefined ? undefined : env[variable]?.trim() || undefined;
  const credentials: Record<string, ProviderEnvironment> = {};
  for (const { kind, env: variables } of providerDescriptors()) {
    const apiKey = read(variables?.apiKey);
    if (!variables || !apiKey) continue;
    const config: Record<string, string> = {};
    for (const [field, variable] of Object.entries(variables.config ?? {})) {
      const value = read(variable);
      if (value) config[field] = value;
    }
    credentials[kind] = { apiKey, baseUrl: read(variables.baseUrl) ?? null, config };
  }
  return credentials;
}

const SECRET_ADVICE = "generate one, for example with `openssl rand -hex 32`";

/**
 * Production refuses secrets that are obviously not random (see secret-strength.ts). Outside
 * production a short MASTER_KEY stays allowed, so a laptop can use `MASTER_KEY=dev`. The messages
 * name the variable and the reason, never the value.
 */
function requireStrongSecrets(masterKey: string | undefined, encryptionKey: string | undefined) {
  for (const [variable, value] of [
    ["MASTER_KEY", masterKey],
    ["ENCRYPTION_KEY", encryptionKey],
  ] as const) {
    const weakness = value === undefined ? null : secretWeakness(value);
    if (weakness) throw new ConfigError(`${variable} ${weakness}: ${SECRET_ADVICE}.`);
  }
  // The master key travels in request headers; the encryption key must never leave the server.
  if (masterKey === encryptionKey) {
    throw new ConfigError(`MASTER_KEY and ENCRYPTION_KEY must differ: ${SECRET_ADVICE}.`);
  }
}

function redisKeyPrefixFor(vercelEnv: string | undefined, deployment: string | undefined): string {
  if (vercelEnv === "preview") return `preview:${deployment ?? "unknown"}:`;
  return "";
}
