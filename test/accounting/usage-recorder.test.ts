/**
 * The usage recorder's promise: every record ends up in Postgres exactly once, written in
 * batches, parked in the Redis outbox while Postgres is down, and drained idempotently.
 */
import type { Redis } from "@upstash/redis";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { createRedis, type RedisHandle } from "../../db/redis.ts";
import { orgs, usageRecords } from "../../db/schema/index.ts";
import { createUsageOutbox } from "../../functions/accounting/usage-outbox.ts";
import type { UsageRecord } from "../../functions/accounting/usage-record.ts";
import { createUsageRecorder } from "../../functions/accounting/usage-recorder.ts";
import { silentLogger } from "../../functions/log.ts";
import { deleteByPrefix } from "../redis/use-redis.ts";
import { createTestDatabase, type TestDatabase, truncateAll } from "../support/database.ts";

let test: TestDatabase;
let redisHandle: RedisHandle;
let orgId: string;
const outboxKey = `sy:test:${crypto.randomUUID()}:usage-outbox`;

beforeAll(async () => {
  test = await createTestDatabase();
  redisHandle = createRedis({ redisUrl: process.env.REDIS_URL });
});
afterAll(async () => {
  await deleteByPrefix(redisHandle.redis, outboxKey);
  await redisHandle.close();
  await test.close();
});
afterEach(async () => {
  await truncateAll(test.sql.db);
  await deleteByPrefix(redisHandle.redis, outboxKey);
});

async function newOrg(): Promise<string> {
  const [org] = await test.sql.db.insert(orgs).values({ name: "acme" }).returning();
  if (!org) throw new Error("insert returned no row");
  return org.id;
}

function usage(requestId: string, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId,
    orgId,
    teamId: null,
    keyId: null,
    agentId: null,
    grantId: null,
    delegationChain: null,
    endpoint: "/v1/chat/completions",
    provider: "mock",
    model: "echo",
    routeAlias: null,
    status: 200,
    stream: false,
    cacheHit: false,
    attempts: 1,
    inputTokens: 3,
    outputTokens: 5,
    cachedInputTokens: 0,
    usageEstimated: false,
    costNanoUsd: 1_234,
    latencyMs: 7,
    traceId: null,
    metadata: {},
    createdAt: new Date(),
    ...overrides,
  };
}

/** A Database whose inserts fail while `outage.down` is set, like a Postgres that went away. */
function withOutage(db: Database, outage: { down: boolean }): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === "insert" && outage.down) {
        return () => {
          throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** A Redis whose writes fail, for the case where both stores are down. */
function brokenRedis(redis: Redis): Redis {
  return new Proxy(redis, {
    get(target, property, receiver) {
      if (property === "rpush") return () => Promise.reject(new Error("redis unreachable"));
      return Reflect.get(target, property, receiver);
    },
  });
}

/** A recorder on the test's outbox, over `db` and (unless replaced) the test's Redis. */
function recorderOver(db: Database, options: { redis?: Redis; now?: () => number } = {}) {
  return createUsageRecorder({
    db,
    redis: options.redis ?? redisHandle.redis,
    outboxKey,
    log: silentLogger,
    now: options.now,
  });
}

async function storedIds(): Promise<string[]> {
  const rows = await test.sql.db
    .select({ requestId: usageRecords.requestId })
    .from(usageRecords)
    .where(eq(usageRecords.orgId, orgId));
  return rows.map((row) => row.requestId).sort();
}

describe("usage recorder", () => {
  it("stores every record of a burst once, in batches", async () => {
    orgId = await newOrg();
    const inserts: number[] = [];
    const counting = new Proxy(test.sql.db, {
      get(target, property, receiver) {
        if (property === "insert") {
          return (table: typeof usageRecords) => {
            const builder = target.insert(table);
            return new Proxy(builder, {
              get(inner, name, innerReceiver) {
                if (name !== "values") return Reflect.get(inner, name, innerReceiver);
                return (rows: UsageRecord[]) => {
                  inserts.push(rows.length);
                  return inner.values(rows);
                };
              },
            });
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const recorder = recorderOver(counting);
    const ids = Array.from({ length: 450 }, (_, i) => `req_burst_${String(i).padStart(3, "0")}`);
    await Promise.all(ids.map((id) => recorder.record(usage(id))));
    expect(await storedIds()).toEqual(ids);
    expect(inserts.reduce((sum, n) => sum + n, 0)).toBe(450);
    // 450 records in one burst: at most 200 per insert, so three inserts, not 450.
    expect(inserts.length).toBeLessThanOrEqual(3);
  });

  it("stores a request id once however often it is recorded", async () => {
    orgId = await newOrg();
    const recorder = recorderOver(test.sql.db);
    await recorder.record(usage("req_twice"));
    await recorder.record(usage("req_twice", { outputTokens: 99 }));
    const rows = await test.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, "req_twice"));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.outputTokens).toBe(5);
  });

  it("parks records in Redis while Postgres is down and drains them once it is back", async () => {
    orgId = await newOrg();
    const outage = { down: true };
    const recorder = recorderOver(withOutage(test.sql.db, outage));
    await Promise.all(["req_a", "req_b", "req_c"].map((id) => recorder.record(usage(id))));
    expect(await storedIds()).toEqual([]);
    expect(await redisHandle.redis.llen(outboxKey)).toBe(3);

    // Still down: the drain puts the batch back rather than losing it.
    expect(await recorder.drainOutbox()).toBe(0);
    expect(await redisHandle.redis.llen(outboxKey)).toBe(3);

    outage.down = false;
    expect(await recorder.drainOutbox()).toBe(3);
    expect(await storedIds()).toEqual(["req_a", "req_b", "req_c"]);
    expect(await redisHandle.redis.llen(outboxKey)).toBe(0);

    // A record parked twice (say, by two instances) is still stored once.
    await redisHandle.redis.rpush(outboxKey, JSON.stringify(usage("req_a")));
    await recorder.drainOutbox();
    expect(await storedIds()).toEqual(["req_a", "req_b", "req_c"]);
  });

  it("recovers a batch whose drainer died between claiming and storing it", async () => {
    orgId = await newOrg();
    const outage = { down: true };
    const clock = { now: Date.now() };
    const recorder = recorderOver(withOutage(test.sql.db, outage), { now: () => clock.now });
    await Promise.all(["req_x", "req_y"].map((id) => recorder.record(usage(id))));
    // Another instance claims the batch, then dies before inserting or releasing it.
    const dead = createUsageOutbox({
      redis: redisHandle.redis,
      key: outboxKey,
      now: () => clock.now,
    });
    expect((await dead.claim(100))?.items).toHaveLength(2);
    expect(await redisHandle.redis.llen(outboxKey)).toBe(0);

    outage.down = false;
    // A fresh claim may still be in progress elsewhere: left alone.
    expect(await recorder.drainOutbox()).toBe(0);
    expect(await storedIds()).toEqual([]);
    // Once it is a minute old it is taken back and stored.
    clock.now += 60_001;
    expect(await recorder.drainOutbox()).toBe(2);
    expect(await storedIds()).toEqual(["req_x", "req_y"]);
    expect(await dead.releaseAbandoned(0)).toBe(0);
  });

  it("keeps the record's fields through the outbox, dates included", async () => {
    orgId = await newOrg();
    const outage = { down: true };
    const recorder = recorderOver(withOutage(test.sql.db, outage));
    const createdAt = new Date("2026-01-02T03:04:05.678Z");
    await recorder.record(
      usage("req_fields", { createdAt, metadata: { team: "search" }, costNanoUsd: 987_654_321 }),
    );
    outage.down = false;
    await recorder.drainOutbox();
    const [row] = await test.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, "req_fields"));
    expect(row?.createdAt.toISOString()).toBe(createdAt.toISOString());
    expect(row?.metadata).toEqual({ team: "search" });
    expect(Number(row?.costNanoUsd)).toBe(987_654_321);
  });

  it("rejects, so the caller can log it, only when neither store takes the record", async () => {
    orgId = await newOrg();
    const recorder = recorderOver(withOutage(test.sql.db, { down: true }), {
      redis: brokenRedis(redisHandle.redis),
    });
    await expect(recorder.record(usage("req_lost"))).rejects.toThrow("redis unreachable");
  });
});
