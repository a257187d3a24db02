/**
 * Everything a request handler needs, created once per process (or per warm serverless
 * instance): SQL, Redis, secrets, caches, background work. Runtime entries call startServices()
 * and hand the result to createApp(); tests do the same with their own stores.
 */
import { createSql, type SqlHandle } from "../db/client.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { createRedis, type RedisHandle } from "../db/redis.ts";
import { createUsageRecorder, type UsageRecorder } from "./accounting/usage-recorder.ts";
import {
  createVirtualKeyAuthenticator,
  type VirtualKeyAuthenticator,
} from "./auth/virtual-keys.ts";
import { type BackgroundTasks, createBackgroundTasks } from "./background.ts";
import type { Config } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { createModelDirectory, type ModelDirectory } from "./routing/model-directory.ts";
import { sealLegacyProviderHeaders } from "./routing/provider-headers.ts";
import { resolveSecrets } from "./security/dev-secrets.ts";
import { guardUpstreamFetch } from "./security/guarded-fetch.ts";
import { createKeyring, type Keyring } from "./security/keyring.ts";
import { resolveHostWithDns } from "./security/resolve-host.ts";
import type { ResolveHost } from "./security/upstream-url.ts";

export interface Services {
  config: Config;
  log: Logger;
  sql: SqlHandle;
  redis: RedisHandle;
  keyring: Keyring;
  /** Keyed hash of MASTER_KEY; the key itself is not kept. */
  masterKeyHash: string;
  background: BackgroundTasks;
  virtualKeys: VirtualKeyAuthenticator;
  models: ModelDirectory;
  usage: UsageRecorder;
  /** Outbound HTTP to providers; tests and benchmarks may pass their own. */
  fetch: typeof fetch;
  resolveHost: ResolveHost;
  /** Set when this start generated a dev master key, so the entry can print it once. */
  generatedMasterKey: { value: string; file: string } | null;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
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

export async function startServices(config: Config, options: StartOptions = {}): Promise<Services> {
  const log = options.log ?? createLogger({});
  const resolveHost = options.resolveHost ?? resolveHostWithDns;
  const secrets = await resolveSecrets({
    dataDir: config.dataDir,
    masterKey: config.masterKey,
    encryptionKey: config.encryptionKey,
  });
  const keyring = await createKeyring(secrets.encryptionKey);

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
    });
  try {
    if (options.migrate ?? true) await migrateDatabase(sql);
  } catch (error) {
    await Promise.allSettled([sql.close(), redis.close()]);
    throw error;
  }

  const background = createBackgroundTasks({ log, waitUntil: options.waitUntil });
  const usage = createUsageRecorder({
    db: sql.db,
    redis: redis.redis,
    outboxKey: `${config.redisNamespace}usage:outbox`,
    log,
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
    sql,
    redis,
    keyring,
    masterKeyHash: await keyring.hashSecret(secrets.masterKey),
    background,
    virtualKeys: createVirtualKeyAuthenticator({ db: sql.db, keyring }),
    models: createModelDirectory({ db: sql.db, keyring, config }),
    usage,
    fetch: guardUpstreamFetch(options.fetch ?? globalThis.fetch.bind(globalThis), {
      allowPrivate: config.allowPrivateUpstreams,
      resolveHost,
    }),
    resolveHost,
    generatedMasterKey:
      secrets.masterKeyGenerated && secrets.masterKeyFile
        ? { value: secrets.masterKey, file: secrets.masterKeyFile }
        : null,
    async close() {
      clearInterval(outboxTimer);
      await background.drain();
      await Promise.allSettled([sql.close(), redis.close()]);
    },
  };
}
