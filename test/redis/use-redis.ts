/**
 * Per-suite Redis access for the shared tests: opens the transport once, gives every test a
 * fresh random key prefix (the TCP runs share one real Redis with other suites) and deletes
 * that prefix's keys afterwards.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { RedisHandle } from "../../db/redis.ts";
import type { OpenTransport, TransportCase } from "./transports.ts";

export interface RedisFixture {
  readonly redis: Redis;
  readonly handle: RedisHandle;
  /** The test's key prefix, e.g. for rate limiter prefixes. */
  readonly prefix: string;
  /** A key under the test's prefix. */
  key(name: string): string;
  /**
   * A command's reply exactly as Redis sent it. The client JSON-parses replies ("0.3" becomes
   * 0.3), so the reply travels JSON-encoded by cjson and comes back as strings.
   */
  raw(...argv: (string | number)[]): Promise<unknown>;
  /** Another client of the same store, closed after the test. */
  connect(): RedisHandle;
}

export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, { match: `${prefix}*`, count: 1000 });
    if (keys.length > 0) await redis.del(...keys);
    cursor = String(next);
  } while (cursor !== "0");
}

export function useRedis(transport: TransportCase): RedisFixture {
  let opened: OpenTransport | undefined;
  let prefix = "";
  const extraHandles: RedisHandle[] = [];
  beforeAll(async () => {
    opened = await transport.open();
  });
  afterAll(async () => {
    await opened?.dispose();
  });
  beforeEach(() => {
    prefix = `switchyard-test:${randomUUID()}:`;
  });
  afterEach(async () => {
    await Promise.all(extraHandles.splice(0).map((handle) => handle.close()));
    if (opened) await deleteByPrefix(opened.handle.redis, prefix);
  });
  const current = (): OpenTransport => {
    if (!opened) throw new Error(`transport ${transport.name} is not open`);
    return opened;
  };
  return {
    get redis() {
      return current().handle.redis;
    },
    get handle() {
      return current().handle;
    },
    get prefix() {
      return prefix;
    },
    key: (name) => `${prefix}${name}`,
    raw: (...argv) =>
      current().handle.redis.eval(
        "return cjson.encode(redis.call(unpack(ARGV)))",
        [],
        argv.map(String),
      ),
    connect: () => {
      const handle = current().connect();
      extraHandles.push(handle);
      return handle;
    },
  };
}
