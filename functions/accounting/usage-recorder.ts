/**
 * Writes usage records off the response path without losing them when Postgres is down.
 *
 * A record goes straight to Postgres; if that fails it is parked in a Redis list (the outbox) and
 * moved to Postgres later by drainOutbox(). Inserts are idempotent on request_id, so a record
 * drained twice (two instances, or a retry after a partial failure) is stored once.
 */
import type { Redis } from "@upstash/redis";
import type { Database } from "../../db/client.ts";
import { usageRecords } from "../../db/schema/index.ts";
import type { Logger } from "../log.ts";
import type { UsageRecord } from "./usage-record.ts";

const DRAIN_BATCH = 100;

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
}): UsageRecorder {
  const { db, redis, outboxKey, log } = options;

  async function insert(records: UsageRecord[]): Promise<void> {
    await db.insert(usageRecords).values(records).onConflictDoNothing({
      target: usageRecords.requestId,
    });
  }

  return {
    async record(record) {
      try {
        await insert([record]);
      } catch (error) {
        log.warn("usage record parked in the Redis outbox", { requestId: record.requestId, error });
        try {
          await redis.rpush(outboxKey, JSON.stringify(record));
        } catch (parkError) {
          // Both stores are down: the log line is the record of last resort.
          log.error("usage record could not be stored", { record, error: parkError });
          throw parkError;
        }
      }
    },
    async drainOutbox() {
      let stored = 0;
      for (;;) {
        // LPOP with a count removes atomically, so two draining instances never take the same item.
        const batch = await redis.lpop<unknown[]>(outboxKey, DRAIN_BATCH);
        if (!batch || batch.length === 0) return stored;
        const records = batch.map(reviveRecord);
        try {
          await insert(records);
          stored += records.length;
        } catch (error) {
          await redis.rpush(outboxKey, ...records.map((record) => JSON.stringify(record)));
          log.warn("usage outbox drain paused: Postgres unavailable", { error });
          return stored;
        }
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
