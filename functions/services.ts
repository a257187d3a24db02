/**
 * Everything a request handler needs, created once per process (or per warm serverless
 * instance): SQL, Redis, secrets, caches, background work. Runtime entries call startServices()
 * and hand the result to createApp(); tests do the same with their own stores.
 */
import { createSql, type SqlHandle } from "../db/client.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { createRedis, type RedisHandle } from "../db/redis.ts";
import {
  createUsageRecorder,
  EMBEDDED_BATCH_WINDOW_MS,
  type UsageRecorder,
} from "./accounting/usage-recorder.ts";
import type { Alerts } from "./alerts/alerts.ts";
import { resolveCheckpointSigner, type SignerResolution } from "./audit/checkpoint-signer.ts";
import {
  createVirtualKeyAuthenticator,
  type VirtualKeyAuthenticator,
} from "./auth/virtual-keys.ts";
import { type BackgroundTasks, createBackgroundTasks } from "./background.ts";
import { type Config, ConfigError } from "./config.ts";
import { createGrantResolver, type GrantResolver } from "./delegation/grant-resolver.ts";
import {
  createGuardrailPolicyCache,
  type GuardrailPolicyCache,
} from "./guardrails/policy-cache.ts";
import {
  announceLimitsChange,
  createLimitsConfig,
  type LimitsConfig,
} from "./limits/limits-config.ts";
import { createLimitsStore, type LimitsStore } from "./limits/limits-store.ts";
import { createLogger, type Logger } from "./log.ts";
import { type CallObserver, createCallObserver } from "./observability/call-observer.ts";
import { createCallTracer } from "./observability/tracing.ts";
import { DEFAULT_BREAKER } from "./routing/health/circuit-breaker.ts";
import { createHealthStore, type HealthStore } from "./routing/health/health-store.ts";
import { createModelDirectory, type ModelDirectory } from "./routing/model-directory.ts";
import { sealLegacyProviderHeaders } from "./routing/provider-headers.ts";
import { resolveSecrets } from "./security/dev-secrets.ts";
import { createKeyring, type Keyring } from "./security/keyring.ts";
import { resolveHostWithDns } from "./security/resolve-host.ts";
import { createUpstreamFetch } from "./security/upstream-fetch.ts";
import type { ResolveHost } from "./security/upstream-url.ts";

export interface Services {
  config: Config;
  log: Logger;
  /** Milliseconds since the epoch; every stage reads time here so tests can move it. */
  clock: () => number;
  sql: SqlHandle;
  redis: RedisHandle;
  keyring: Keyring;
  /** Keyed hash of MASTER_KEY; the key itself is not kept. */
  masterKeyHash: string;
  background: BackgroundTasks;
  virtualKeys: VirtualKeyAuthenticator;
  /** Delegation grant tokens → their chains (cached briefly) and revocation publishing. */
  grants: GrantResolver;
  models: ModelDirectory;
  /** Deployment health shared by every instance: circuit breakers, latency, calls in flight. */
  health: HealthStore;
  /** Rate limits and budgets: rules per org (cached) and their counters in Redis. */
  limits: {
    config: LimitsConfig;
    store: LimitsStore;
    /** After changing an org's budgets, rate limits or keys: every instance reloads them. */
    announceChange(orgId: string): Promise<void>;
  };
  usage: UsageRecorder;
  /** Guardrail policies per org (cached; fresh under the limits' org version token). */
  guardrails: GuardrailPolicyCache;
  /** Budget threshold crossings: audit events and signed webhooks, off the response path. */
  alerts: Alerts;
  /** Per settled call: the request log line, metrics and (with OTLP configured) a trace. */
  observer: CallObserver;
  /** The Ed25519 key that signs audit checkpoints, resolved on first use. */
  auditSigner(): Promise<SignerResolution>;
  /** Outbound HTTP to providers; tests and benchmarks may pass their own. */
  fetch: typeof fetch;
  resolveHost: ResolveHost;
  /** Set when this start generated a dev master key, so the entry can print it once. */
  generatedMasterKey: { value: string; file: string } | null;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** The clock every stage reads (default Date.now); tests pass their own. */
  clock?: () => number;
  fetch?: typeof fetch;
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Apply migrations at start (default). Vercel runs them in the build step instead. */
  migrate?: boolean;
  /** Stores made by the caller (tests); otherwise chosen from the config. Closed by close(). */
  sql?: SqlHandle;
  redis?: RedisHandle;
  /** DNS for the SSRF guard; tests pass their own. */
  resolveHost?: ResolveHost;
}

/**
 * How long a concurrency slot and a budget hold outlive a process that died mid-call. Longer than
 * any sane call (a stream included), short enough that a crash does not block a key for long.
 */
const LEASE_MS = 15 * 60_000;

/**
 * Counters that live in one process cannot hold a budget or a rate limit across instances, and a
 * PGlite folder is not a database a fleet can share: production names real stores or stops.
 */
export function refuseEmbeddedStoresInProduction(config: Config, options: StartOptions): void {
  if (!config.production) return;
  if (!options.sql && !config.databaseUrl) {
    throw new ConfigError(
      "In production Switchyard needs DATABASE_URL: the embedded PGlite database lives in one process's folder and is for development only.",
    );
  }
  if (!options.redis && !config.redisUrl && !config.upstashUrl) {
    throw new ConfigError(
      "In production Switchyard needs UPSTASH_REDIS_REST_URL and _TOKEN, or REDIS_URL: the embedded Redis keeps rate limits and budgets in one process, so instances could jointly overspend.",
    );
  }
}

export async function startServices(config: Config, options: StartOptions = {}): Promise<Services> {
  refuseEmbeddedStoresInProduction(config, options);
  const log = options.log ?? createLogger({ level: config.operations.logLevel });
  const clock = options.clock ?? Date.now;
  const resolveHost = options.resolveHost ?? resolveHostWithDns;
  const upstreamFetch = await createUpstreamFetch({
    fetch: options.fetch,
    allowPrivate: config.allowPrivateUpstreams,
    resolveHost,
  });
  const secrets = await resolveSecrets({
    dataDir: config.dataDir,
    masterKey: config.masterKey,
    encryptionKey: config.encryptionKey,
    hashKey: config.hashKey,
    previousEncryptionKeys: config.previousEncryptionKeys,
    production: config.production,
  });
  const keyring = await createKeyring(secrets.encryptionKey, {
    previousKeys: config.previousEncryptionKeys,
    hashKey: secrets.hashKey,
  });

  const sql =
    options.sql ??
    (await createSql({
      databaseUrl: config.databaseUrl,
      driver: config.sqlDriver,
      dataDir: config.dataDir,
      neonWsProxy: config.neonWsProxy,
    }));
  const redis =
    options.redis ??
    createRedis({
      upstashUrl: config.upstashUrl,
      upstashToken: config.upstashToken,
      redisUrl: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
    });
  try {
    if (options.migrate ?? true) await migrateDatabase(sql);
  } catch (error) {
    await Promise.allSettled([sql.close(), redis.close()]);
    throw error;
  }

  const limitsStore = createLimitsStore({
    // The reserve and settle replies are decoded in limits-store.ts; no JSON guessing on them.
    redis: redis.rawReplies,
    namespace: config.redisNamespace,
    leaseMs: LEASE_MS,
    holdMs: LEASE_MS,
  });
  const limits = {
    store: limitsStore,
    announceChange: (orgId: string) =>
      announceLimitsChange(redis.redis, limitsStore.versionKey(orgId)),
    config: createLimitsConfig({
      db: sql.db,
      redis: redis.redis,
      versionKey: limitsStore.versionKey,
    }),
  };

  const background = createBackgroundTasks({ log, waitUntil: options.waitUntil });
  const observer = createCallObserver({
    log,
    clock,
    tracer: createCallTracer({
      ...config.operations,
      endpoint: config.operations.otlpEndpoint,
      headers: config.operations.otlpHeaders,
      log,
      background: (label, task) => background.run(label, task),
    }),
  });
  const usage = createUsageRecorder({
    db: sql.db,
    redis: redis.redis,
    outboxKey: `${config.redisNamespace}usage:outbox`,
    log,
    // Embedded PGlite inserts on the request thread: fewer, larger batches there.
    batchWindowMs: sql.driver === "pglite" ? EMBEDDED_BATCH_WINDOW_MS : undefined,
  });
  const outboxTimer = setInterval(() => {
    background.run("usage outbox drain", () => usage.drainOutbox());
    background.run("seal provider headers kept in clear", () =>
      sealLegacyProviderHeaders(sql.db, keyring),
    );
  }, 30_000);
  // Never keep a process alive just to drain; serverless instances drain on their next call.
  if (typeof outboxTimer === "object" && "unref" in outboxTimer) outboxTimer.unref();
  background.run("usage outbox drain", () => usage.drainOutbox());
  background.run("seal provider headers kept in clear", () =>
    sealLegacyProviderHeaders(sql.db, keyring),
  );

  return {
    config,
    log,
    clock,
    sql,
    redis,
    keyring,
    masterKeyHash: await keyring.hashSecret(secrets.masterKey),
    background,
    virtualKeys: createVirtualKeyAuthenticator({ db: sql.db, keyring, now: clock, background }),
    grants: createGrantResolver({
      db: sql.db,
      redis: redis.redis,
      keyring,
      namespace: config.redisNamespace,
      now: clock,
    }),
    models: createModelDirectory({ db: sql.db, keyring, config }),
    health: createHealthStore({
      redis: redis.redis,
      namespace: config.redisNamespace,
      breaker: DEFAULT_BREAKER,
      latencyAlpha: 0.3,
      inFlightLeaseMs: LEASE_MS,
      healthTtlMs: 24 * 60 * 60_000,
    }),
    limits,
    usage,
    guardrails: createGuardrailPolicyCache(sql.db),
    auditSigner: memoize(() =>
      resolveCheckpointSigner({
        signingKey: config.auditSigningKey,
        production: config.production,
        dataDir: config.dataDir,
      }),
    ),
    alerts: lazyAlerts(async () =>
      (await import("./alerts/alerts.ts")).createAlerts({
        db: sql.db,
        keyring,
        log,
        background,
        fetch: upstreamFetch,
        clock,
      }),
    ),
    observer,
    fetch: upstreamFetch,
    resolveHost,
    generatedMasterKey:
      secrets.masterKeyGenerated && secrets.masterKeyFile
        ? { value: secrets.masterKey, file: secrets.masterKeyFile }
        : null,
    async close() {
      clearInterval(outboxTimer);
      await background.drain();
      await observer.tracer.shutdown().catch(() => {});
      await Promise.allSettled([sql.close(), redis.close()]);
    },
  };
}

/**
 * Budget alerts load on the first crossing, not at start: their webhook payloads carry Pothos
 * global ids, and Pothos with graphql cost ~270 ms of start-up CPU that a gateway whose budgets
 * are never crossed does not need.
 */
function lazyAlerts(make: () => Promise<Alerts>): Alerts {
  const made = memoize(make);
  return {
    budgetThresholdsCrossed: async (crossings, requestId) =>
      (await made()).budgetThresholdsCrossed(crossings, requestId),
  };
}

function memoize<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = null;
      throw error;
    });
    return made;
  };
}
