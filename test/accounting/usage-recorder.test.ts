/**
 * The usage recorder's promise: every record ends up in Postgres exactly once, written in
 * batches, parked in the Redis outbox while Postgres is down, and drained idempotently; a record
 * Postgres refuses is kept as a dead letter and never holds up the others.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "@upstash/redis";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { createRedis, type RedisHandle } from "../../db/redis.ts";
import { orgs, usageDeadLetters, usageRecords } from "../../db/schema/index.ts";
import { createUsageOutbox } from "../../functions/accounting/usage-outbox.ts";
import type { UsageRecord } from "../../functions/accounting/usage-record.ts";
import { createUsageRecorder } from "../../functions/accounting/usage-recorder.ts";
import { silentLogger } from "../../functions/log.ts";
import { deleteByPrefix } from "../redis/use-redis.ts";
import { createTestDatabase, type TestDatabase, truncateAll } from "../support/database.ts";
import { usageRecordFixture } from "../support/usage-record.ts";

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
  return usageRecordFixture(requestId, { orgId, ...overrides });
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

/** A Database where only dead-letter inserts fail as if Postgres went away just then. */
function withDeadLettersDown(db: Database, outage: { down: boolean }): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === "insert") {
        return (table: object) => {
          if (table === usageDeadLetters && outage.down) {
            throw new Error("Connection terminated unexpectedly");
          }
          return target.insert(table as typeof usageRecords);
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
function recorderOver(
  db: Database,
  options: { redis?: Redis; now?: () => number; batchWindowMs?: number } = {},
) {
  return createUsageRecorder({
    db,
    redis: options.redis ?? redisHandle.redis,
    outboxKey,
    log: silentLogger,
    now: options.now,
    batchWindowMs: options.batchWindowMs,
  });
}

/** The test's database, noting the size of every usage insert in `inserts`. */
function countingInserts(inserts: number[]): Database {
  return new Proxy(test.sql.db, {
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
}

async function storedIds(): Promise<string[]> {
  const rows = await test.sql.db
    .select({ requestId: usageRecords.requestId })
    .from(usageRecords)
    .where(eq(usageRecords.orgId, orgId));
  return rows.map((row) => row.requestId).sort();
}

async function deadLetters(): Promise<
  Array<{ requestId: string | null; record: string; reason: string }>
> {
  const rows = await test.sql.db
    .select({
      requestId: usageDeadLetters.requestId,
      record: usageDeadLetters.record,
      reason: usageDeadLetters.reason,
    })
    .from(usageDeadLetters);
  return rows.sort((a, b) => String(a.requestId).localeCompare(String(b.requestId)));
}

/** Records Postgres refuses: a NUL byte in text (22021), `\u0000` in a nested jsonb key (22P05). */
const POISONS: Record<string, Partial<UsageRecord>> = {
  req_poison_model: { model: "ec\u0000ho" },
  req_poison_metadata: { metadata: { tags: { "team\u0000": "x" } } },
};

describe("usage recorder", () => {
  it("stores every record of a burst once, in batches", async () => {
    orgId = await newOrg();
    const inserts: number[] = [];
    const recorder = recorderOver(countingInserts(inserts));
    const ids = Array.from({ length: 450 }, (_, i) => `req_burst_${String(i).padStart(3, "0")}`);
    await Promise.all(ids.map((id) => recorder.record(usage(id))));
    expect(await storedIds()).toEqual(ids);
    expect(inserts.reduce((sum, n) => sum + n, 0)).toBe(450);
    // 450 records in one burst: at most 200 per insert, so three inserts, not 450.
    expect(inserts.length).toBeLessThanOrEqual(3);
  });

  it("gathers records that arrive apart within its window into one insert", async () => {
    // Embedded PGlite gets a longer window than the 20 ms default (services.ts): calls tens of
    // milliseconds apart must then share an insert, which with 20 ms they would not.
    orgId = await newOrg();
    const inserts: number[] = [];
    const recorder = recorderOver(countingInserts(inserts), { batchWindowMs: 2_000 });
    const ids = Array.from({ length: 5 }, (_, i) => `req_window_${i}`);
    const recorded: Promise<void>[] = [];
    for (const id of ids) {
      recorded.push(recorder.record(usage(id)));
      await sleep(20);
    }
    await Promise.all(recorded);
    expect(await storedIds()).toEqual(ids);
    expect(inserts).toEqual([5]);
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

describe("a record Postgres refuses", () => {
  it("does not keep 100 calls of another org from being stored", async () => {
    orgId = await newOrg();
    const poisonOrg = await newOrg();
    const recorder = recorderOver(test.sql.db);
    const ids = Array.from({ length: 100 }, (_, i) => `req_good_${String(i).padStart(3, "0")}`);
    const calls = ids.map((id) => usage(id));
    // The bad calls land in the middle of the burst, so in the same batch as the good ones.
    calls.splice(
      50,
      0,
      ...Object.entries(POISONS).map(([id, poison]) => usage(id, { orgId: poisonOrg, ...poison })),
    );
    await Promise.all(calls.map((call) => recorder.record(call)));

    expect(await storedIds()).toEqual(ids);
    expect(await redisHandle.redis.llen(outboxKey)).toBe(0);
    expect(await recorder.outboxBacklog()).toBe(0);
  });

  it("keeps the refused record as a dead letter, with the reason, counted", async () => {
    orgId = await newOrg();
    const recorder = recorderOver(test.sql.db);
    await Promise.all([
      recorder.record(usage("req_fine")),
      ...Object.entries(POISONS).map(([id, poison]) => recorder.record(usage(id, poison))),
    ]);

    const letters = await deadLetters();
    expect(letters.map((letter) => letter.requestId)).toEqual([
      "req_poison_metadata",
      "req_poison_model",
    ]);
    // The record is kept whole: its JSON text parses back to what was offered, NUL included.
    const kept = JSON.parse(letters[1]?.record ?? "null") as UsageRecord;
    expect(kept).toMatchObject({ requestId: "req_poison_model", model: "ec\u0000ho", orgId });
    expect(letters[0]?.reason).toMatch(/^22P05: /);
    expect(letters[1]?.reason).toMatch(/^22021: /);
    expect(await recorder.deadLetterCount()).toBe(2);
    expect(await storedIds()).toEqual(["req_fine"]);
  });

  it("is dead-lettered by the drain too, and the rest of the outbox is stored", async () => {
    orgId = await newOrg();
    const recorder = recorderOver(test.sql.db);
    const parked = [
      usage("req_parked_1"),
      usage("req_poison_model", POISONS.req_poison_model),
      usage("req_parked_2"),
    ];
    await redisHandle.redis.rpush(outboxKey, ...parked.map((record) => JSON.stringify(record)));

    expect(await recorder.drainOutbox()).toBe(2);
    expect(await storedIds()).toEqual(["req_parked_1", "req_parked_2"]);
    expect((await deadLetters()).map((letter) => letter.requestId)).toEqual(["req_poison_model"]);
    // Gone from the outbox: the next drain does not meet it again.
    expect(await recorder.outboxBacklog()).toBe(0);
    expect(await recorder.drainOutbox()).toBe(0);
  });

  it("does not stop the drain at a claim that holds one", async () => {
    orgId = await newOrg();
    const recorder = recorderOver(test.sql.db);
    // 250 parked records: three claims of at most 100, the bad one in the first.
    const ids = Array.from({ length: 250 }, (_, i) => `req_parked_${String(i).padStart(3, "0")}`);
    const parked = ids.map((id) => JSON.stringify(usage(id)));
    parked.splice(10, 0, JSON.stringify(usage("req_poison_metadata", POISONS.req_poison_metadata)));
    await redisHandle.redis.rpush(outboxKey, ...parked);

    expect(await recorder.drainOutbox()).toBe(250);
    expect(await storedIds()).toEqual(ids);
    expect(await recorder.deadLetterCount()).toBe(1);
  });

  it("dead-letters an outbox entry that is not a usage record at all", async () => {
    orgId = await newOrg();
    const recorder = recorderOver(test.sql.db);
    await redisHandle.redis.rpush(
      outboxKey,
      JSON.stringify(usage("req_before")),
      JSON.stringify({ requestId: "req_half", orgId }),
      "not json at all",
      JSON.stringify(usage("req_after")),
    );

    expect(await recorder.drainOutbox()).toBe(2);
    expect(await storedIds()).toEqual(["req_after", "req_before"]);
    const letters = await deadLetters();
    expect(letters.map((letter) => letter.requestId)).toEqual([null, "req_half"]);
    expect(letters.every((letter) => letter.reason.startsWith("not a usage record"))).toBe(true);
    expect(await recorder.outboxBacklog()).toBe(0);
  });

  it("stays in the outbox when Postgres goes away before it can be dead-lettered", async () => {
    orgId = await newOrg();
    const outage = { down: true };
    const recorder = recorderOver(withDeadLettersDown(test.sql.db, outage));
    await Promise.all([
      recorder.record(usage("req_good")),
      recorder.record(usage("req_poison_model", POISONS.req_poison_model)),
    ]);
    expect(await storedIds()).toEqual(["req_good"]);
    expect(await deadLetters()).toEqual([]);
    expect(await recorder.outboxBacklog()).toBe(1);

    // Still down: the drain keeps it rather than losing it.
    expect(await recorder.drainOutbox()).toBe(0);
    expect(await recorder.outboxBacklog()).toBe(1);

    outage.down = false;
    await recorder.drainOutbox();
    expect((await deadLetters()).map((letter) => letter.requestId)).toEqual(["req_poison_model"]);
    expect(await recorder.outboxBacklog()).toBe(0);
  });
});

describe("outbox backlog", () => {
  it("counts records parked and records claimed but not yet stored", async () => {
    orgId = await newOrg();
    const recorder = recorderOver(withOutage(test.sql.db, { down: true }));
    await Promise.all(["req_1", "req_2", "req_3"].map((id) => recorder.record(usage(id))));
    expect(await recorder.outboxBacklog()).toBe(3);
    // A drainer elsewhere holds two of them in its claim: still not in Postgres.
    const elsewhere = createUsageOutbox({ redis: redisHandle.redis, key: outboxKey });
    await elsewhere.claim(2);
    expect(await recorder.outboxBacklog()).toBe(3);
  });
});
