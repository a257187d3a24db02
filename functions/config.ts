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
  /** Redis keys of a preview deployment are namespaced so a preview never touches production counters. */
  redisNamespace: string;
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
}

/** One provider's settings from the environment; present only when its API key is set. */
export interface ProviderEnvironment {
  apiKey: string;
  /** From the descriptor's base URL variable; null: the kind's default. */
  baseUrl: string | null;
  /** Config fields the descriptor reads from variables (e.g. Azure's apiVersion). */
  config: Record<string, string>;
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
  VERCEL_GIT_COMMIT_REF: optionalString,
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
  if (Boolean(e.UPSTASH_REDIS_REST_URL) !== Boolean(e.UPSTASH_REDIS_REST_TOKEN)) {
    throw new ConfigError("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN go together");
  }
  return {
    production,
    redisNamespace: redisNamespaceFor(
      e.VERCEL_ENV,
      e.VERCEL_DEPLOYMENT_ID ?? e.VERCEL_GIT_COMMIT_REF,
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
  };
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

function redisNamespaceFor(vercelEnv: string | undefined, deployment: string | undefined): string {
  if (vercelEnv === "preview") return `sy:preview:${deployment ?? "unknown"}:`;
  return "sy:";
}
