/**
 * A whole Switchyard in-process for tests: the real app and services over a fresh test database
 * (test/support/database.ts picks PGlite, pg or Neon from the environment) and Redis (embedded,
 * or REDIS_URL), driven through `app.fetch` with no server. Each instance gets its own Redis
 * namespace, so files can share a real Redis.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../../db/client.ts";
import { createRedis } from "../../db/redis.ts";
import { type App, createApp } from "../../functions/app.ts";
import { type Env, loadConfig } from "../../functions/config.ts";
import { silentLogger } from "../../functions/log.ts";
import type { ResolveHost } from "../../functions/security/upstream-url.ts";
import { type Services, startServices } from "../../functions/services.ts";
import { createTestDatabase } from "./database.ts";
import { databaseWithOutage, type Outage } from "./outage.ts";
import { testUpstreamFetch } from "./upstream-transport.ts";

export interface TestGateway {
  app: App;
  services: Services;
  masterKey: string;
  /** POST /graphql; returns the parsed JSON body (data and errors). */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResult<T>>;
  /** Like graphql() but fails the test on any error; returns `data`. */
  admin<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T>;
  /** POST a JSON body to a gateway path with a virtual key. */
  call(
    path: string,
    body: unknown,
    key: string,
    headers?: Record<string, string>,
    /** Aborted when the "client" goes away, as the Node adapter aborts `request.signal`. */
    signal?: AbortSignal,
  ): Promise<Response>;
  close(): Promise<void>;
}

export interface GraphQLResult<T> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }>;
}

export interface TestGatewayOptions {
  env?: Env;
  fetch?: typeof fetch;
  resolveHost?: ResolveHost;
  clock?: () => number;
  /**
   * Another instance of the same deployment: shares that gateway's database, Redis namespace
   * and keys, but has its own process state (caches), as a second serverless instance would.
   */
  sameDeploymentAs?: TestGateway;
  /** While `down` is set, every SQL query of this instance fails like a refused connection. */
  sqlOutage?: Outage;
  /** Wraps the database every service of this instance uses (to count or observe queries). */
  observeSql?: (db: Database) => Database;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const sibling = options.sameDeploymentAs;
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-test-"));
  const masterKey = sibling?.masterKey ?? `test-master-${crypto.randomUUID()}`;
  const config = {
    ...loadConfig({
      SWITCHYARD_DATA_DIR: dataDir,
      MASTER_KEY: masterKey,
      ENCRYPTION_KEY:
        sibling?.services.config.encryptionKey ?? `test-encryption-key-${crypto.randomUUID()}`,
      REDIS_URL: process.env.REDIS_URL,
      ...options.env,
    }),
    redisNamespace: sibling?.services.config.redisNamespace ?? `sy:test:${crypto.randomUUID()}:`,
  };
  // A sibling borrows the first instance's database; only the first closes it.
  const database = sibling
    ? { sql: { ...sibling.services.sql, close: async () => {} }, close: async () => {} }
    : await createTestDatabase();
  let db = database.sql.db;
  if (options.sqlOutage) db = databaseWithOutage(db, options.sqlOutage);
  if (options.observeSql) db = options.observeSql(db);
  const sql = { ...database.sql, db };
  const services = await startServices(config, {
    log: silentLogger,
    clock: options.clock,
    sql,
    redis: createRedis({ redisUrl: config.redisUrl }),
    fetch: options.fetch ?? testUpstreamFetch({ allowPrivate: config.allowPrivateUpstreams }),
    resolveHost: options.resolveHost,
    migrate: false,
  });
  const app = createApp(services);

  const graphql = async <T>(
    query: string,
    variables?: Record<string, unknown>,
    token = masterKey,
  ) => {
    const response = await app.fetch(
      new Request("http://switchyard.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      }),
    );
    return (await response.json()) as GraphQLResult<T>;
  };

  return {
    app,
    services,
    masterKey,
    graphql,
    async admin<T>(query: string, variables?: Record<string, unknown>) {
      const result = await graphql<T>(query, variables);
      if (result.errors?.length || !result.data) {
        throw new Error(`GraphQL failed: ${JSON.stringify(result.errors)}`);
      }
      return result.data;
    },
    call(path, body, key, headers = {}, signal) {
      return app.fetch(
        new Request(`http://switchyard.test${path}`, {
          method: "POST",
          signal,
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${key}`,
            ...headers,
          },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      );
    },
    async close() {
      await services.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** An org and a virtual key in it, made through the admin API as a user would. */
export async function createOrgWithKey(
  gateway: TestGateway,
  keyInput: Record<string, unknown> = {},
): Promise<{ orgId: string; keyId: string; secret: string }> {
  const { createOrg } = await gateway.admin<{ createOrg: { org: { id: string } } }>(
    `mutation { createOrg(input: { name: "acme" }) { org { id } } }`,
  );
  const { createVirtualKey } = await gateway.admin<{
    createVirtualKey: { key: { id: string }; secret: string };
  }>(
    `mutation ($input: CreateVirtualKeyInput!) {
      createVirtualKey(input: $input) { key { id } secret }
    }`,
    { input: { orgId: createOrg.org.id, name: "test key", ...keyInput } },
  );
  return {
    orgId: createOrg.org.id,
    keyId: createVirtualKey.key.id,
    secret: createVirtualKey.secret,
  };
}

/** An openai-compatible provider in an org, made through the admin API as a user would. */
export async function createOpenAICompatibleProvider(
  gateway: TestGateway,
  input: { orgId: string; name: string; baseUrl: string; apiKey?: string },
): Promise<void> {
  await gateway.admin(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    { input: { kind: "openai-compatible", ...input } },
  );
}

/** The uuid inside a relay global id (`base64("Type:uuid")`), for checks against table rows. */
export function rawId(globalId: string): string {
  return Buffer.from(globalId, "base64").toString("utf8").split(":")[1] ?? "";
}
