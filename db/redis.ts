/**
 * The Redis client factory: one @upstash/redis `Redis` client whatever is underneath.
 *
 * - UPSTASH_REDIS_REST_URL + _TOKEN → Upstash over REST (the library's own HTTP client);
 * - REDIS_URL → any Redis/Valkey over TCP (ioredis behind a custom requester);
 * - neither → the embedded in-process engine (db/redis/embedded).
 *
 * Callers see the same API, the same JSON deserialization and the same Lua scripts on all
 * three; the transport is only reported for logs and /ready.
 */
import { Redis, type RedisConfigNodejs, type Requester } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { EmbeddedRedis } from "./redis/embedded/engine.ts";
import { createEmbeddedRequester } from "./redis/embedded/requester.ts";
import { prefixKeys } from "./redis/key-prefix.ts";
import { createTcpRequester } from "./redis/tcp-requester.ts";

export type RedisTransport = "upstash" | "tcp" | "embedded";

export interface RedisOptions {
  upstashUrl?: string;
  upstashToken?: string;
  redisUrl?: string;
  /**
   * Put before every key the client sends (config.redisKeyPrefix: a preview deployment's
   * namespace), applied here once so no caller can forget it.
   */
  keyPrefix?: string;
}

export interface RedisHandle {
  redis: Redis;
  /**
   * The same store and key prefix, with replies as Redis sends them. The library's default runs
   * JSON.parse over every string of a reply and keeps the string where that throws, so a script
   * answering `["ok", "12", ...]` costs an exception per element: about 3% of a limited call's
   * CPU. For hot callers that decode their replies themselves (the limits scripts).
   */
  rawReplies: Redis;
  transport: RedisTransport;
  /** True when the store answers PING within a couple of seconds. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 2_000;

export function createRedis(options: RedisOptions): RedisHandle {
  const { upstashUrl, upstashToken, redisUrl } = options;
  const prefix = options.keyPrefix ?? "";
  if (upstashUrl || upstashToken) {
    if (!upstashUrl || !upstashToken) {
      // Half a configuration is a deployment mistake; silently using another store is worse.
      throw new Error(
        "Upstash Redis needs both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN",
      );
    }
    const config = { url: upstashUrl, token: upstashToken };
    const upstash = new PrefixedRedis(config, prefix);
    const raw = new PrefixedRedis({ ...config, automaticDeserialization: false }, prefix);
    return handle(upstash, raw, "upstash", async () => {});
  }
  if (redisUrl) return createTcpRedis(redisUrl, prefix);
  const engine = sharedEngine();
  // The engine is the process' store, shared like a server is; closing a handle leaves it be.
  const requester = createEmbeddedRequester(engine);
  return handle(
    new PrefixedRedis(requester, prefix),
    new PrefixedRedis(requester, prefix, { rawReplies: true }),
    "embedded",
    async () => {},
  );
}

/**
 * The @upstash/redis client whose requester (REST, TCP or embedded) prefixes every key. Over REST
 * the library auto-pipelines through a proxy that keeps the requester it saw when it was made,
 * so that client is built without it, given the prefixing requester, and only then wrapped, as
 * the library would have. A client built on a requester is not auto-pipelined (as before).
 */
class PrefixedRedis extends Redis {
  constructor(
    source: RedisConfigNodejs | Requester,
    prefix: string,
    { rawReplies = false }: { rawReplies?: boolean } = {},
  ) {
    if ("request" in source) {
      super(source);
      this.client = prefixKeys(this.client, prefix);
      // A client built on a requester takes no options; commands read them from here per call.
      if (rawReplies) this.opts = { ...this.opts, automaticDeserialization: false };
      return;
    }
    super({ ...source, enableAutoPipelining: false });
    this.client = prefixKeys(this.client, prefix);
    if (source.enableAutoPipelining === false) return;
    this.enableAutoPipelining = true;
    // biome-ignore lint/correctness/noConstructorReturn: the library's own constructor does this.
    return this.autoPipeline() as PrefixedRedis;
  }
}

/**
 * ioredis keeps these out of auto-pipelines (connection state, cluster-wide scripts) but
 * matches its list by lower-case name, and the TCP requester sends names upper-case.
 */
const NOT_AUTO_PIPELINED = [
  "AUTH",
  "INFO",
  "SCRIPT",
  "QUIT",
  "CLUSTER",
  "MULTI",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SELECT",
  "CLIENT",
];

function createTcpRedis(url: string, prefix: string): RedisHandle {
  const client = new IORedis(url, {
    // Connect on first use, so creating a handle at module load costs nothing.
    lazyConnect: true,
    // Fail a command after a few reconnect attempts instead of queueing it for long.
    maxRetriesPerRequest: 3,
    // Commands issued in the same tick go out in one write (one syscall) instead of one each.
    // MULTI/EXEC and explicit pipelines are not auto-pipelined and still go out whole.
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: NOT_AUTO_PIPELINED,
  });
  // Connection errors surface through the commands that fail and through ping();
  // without a listener ioredis would also print each one.
  client.on("error", () => {});
  const requester = createTcpRequester(client);
  const redis = new PrefixedRedis(requester, prefix);
  const raw = new PrefixedRedis(requester, prefix, { rawReplies: true });
  return handle(redis, raw, "tcp", async () => {
    if (client.status === "wait" || client.status === "end") client.disconnect();
    else await client.quit().catch(() => client.disconnect());
  });
}

let engine: EmbeddedRedis | undefined;

function sharedEngine(): EmbeddedRedis {
  engine ??= new EmbeddedRedis();
  return engine;
}

function handle(
  redis: Redis,
  rawReplies: Redis,
  transport: RedisTransport,
  close: () => Promise<void>,
): RedisHandle {
  return {
    redis,
    rawReplies,
    transport,
    ping: () => pingWithin(redis, PING_TIMEOUT_MS),
    close,
  };
}

async function pingWithin(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const pong = redis.ping().then(
      (reply) => reply === "PONG",
      () => false,
    );
    return await Promise.race([pong, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
