/**
 * Writes usage records off the response path without losing them when Postgres is down.
 *
 * Records are gathered for a few milliseconds and written in one multi-row insert: under load
 * that turns hundreds of round trips (or, on embedded PGlite, hundreds of WASM calls competing
 * with requests for the one thread) into a few. Each caller's promise settles when its batch is
 * stored, so a serverless `waitUntil` still covers its own record. If the insert fails the batch
 * is parked in a Redis list (the outbox, usage-outbox.ts) and moved to Postgres later by
 * drainOutbox(). Inserts are idempotent on request_id, so a record drained twice (two instances,
 * or a drainer that died after its insert) is stored once.
 */
import type { Redis } from "@upstash/redis";
import type { Database } from "../../db/client.ts";
import { usageRecords } from "../../db/schema/index.ts";
import type { Logger } from "../log.ts";
import { createUsageOutbox } from "./usage-outbox.ts";
import type { UsageRecord } from "./usage-record.ts";

const DRAIN_BATCH = 100;
/** A claim this old belongs to a drainer that died; a drain of 100 rows takes milliseconds. */
const ABANDONED_CLAIM_MS = 60_000;
/** How long a record waits for company; bounds what a crash can lose along with in-flight work. */
const BATCH_WINDOW_MS = 5;
/** A batch this large is written at once. */
const MAX_BATCH = 200;

interface Waiting {
  record: UsageRecord;
  settle: (error?: unknown) => void;
}

export interface UsageRecorder {
  record(record: UsageRecord): Promise<void>;
  /** Moves parked records into Postgres; returns how many were stored. */
  drainOutbox(): Promise<number>;
}

export function createUsageRecorder(options: {
  db: Database;
  redis: Redis;
  outboxKey: string;
  log: Logger;
  now?: () => number;
}): UsageRecorder {
  const { db, log } = options;
  const outbox = createUsageOutbox({
    redis: options.redis,
    key: options.outboxKey,
    now: options.now,
  });

  async function insert(records: UsageRecord[]): Promise<void> {
    await db.insert(usageRecords).values(records).onConflictDoNothing({
      target: usageRecords.requestId,
    });
  }

  /** Postgres first, the outbox second; throws only when neither store took the batch. */
  async function store(records: UsageRecord[]): Promise<void> {
    try {
      await insert(records);
    } catch (error) {
      const requestIds = records.map((record) => record.requestId);
      log.warn("usage records parked in the Redis outbox", { requestIds, error });
      try {
        await outbox.park(records.map((record) => JSON.stringify(record)));
      } catch (parkError) {
        // Both stores are down: the log line is the record of last resort.
        log.error("usage records could not be stored", { records, error: parkError });
        throw parkError;
      }
    }
  }

  let waiting: Waiting[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    store(batch.map((entry) => entry.record)).then(
      () => {
        for (const entry of batch) entry.settle();
      },
      (error: unknown) => {
        for (const entry of batch) entry.settle(error ?? new Error("usage batch failed"));
      },
    );
  }

  return {
    record(record) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ record, settle: (error) => (error ? reject(error) : resolve()) });
        if (waiting.length >= MAX_BATCH) flush();
        else timer ??= setTimeout(flush, BATCH_WINDOW_MS);
      });
    },
    async drainOutbox() {
      await outbox.releaseAbandoned(ABANDONED_CLAIM_MS);
      let stored = 0;
      for (;;) {
        const claim = await outbox.claim(DRAIN_BATCH);
        if (!claim) return stored;
        const records = claim.items.map(reviveRecord);
        try {
          await insert(records);
        } catch (error) {
          await outbox.release(claim);
          log.warn("usage outbox drain paused: Postgres unavailable", { error });
          return stored;
        }
        // Should this fail (or the process die here), the claim is released later and the
        // records inserted again, which request_id makes harmless.
        await outbox.settle(claim);
        stored += records.length;
      }
    },
  };
}

/** @upstash/redis deserializes JSON values itself; dates come back as ISO strings. */
function reviveRecord(item: unknown): UsageRecord {
  const value = (typeof item === "string" ? JSON.parse(item) : item) as UsageRecord & {
    createdAt: string | Date;
  };
  return { ...value, createdAt: new Date(value.createdAt) };
}
