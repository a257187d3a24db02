/**
 * Writes usage records off the response path without losing them when Postgres is down, and
 * without letting one bad record hold up the others.
 *
 * Records are gathered for a few milliseconds and written in one multi-row insert: under load
 * that turns hundreds of round trips (or, on embedded PGlite, hundreds of WASM calls competing
 * with requests for the one thread) into a few. Each caller's promise settles when its batch is
 * stored, so a serverless `waitUntil` still covers its own record. If Postgres is unreachable the
 * batch is parked in a Redis list (the outbox, usage-outbox.ts) and moved to Postgres later by
 * drainOutbox(). If Postgres refuses a record (usage-writer.ts), that record goes to the dead
 * letters and the rest are stored, on both paths. Inserts are idempotent on request_id, so a
 * record drained twice (two instances, or a drainer that died after its insert) is stored once.
 */
import type { Redis } from "@upstash/redis";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import type { Logger } from "../log.ts";
import { createUsageDeadLetters } from "./usage-dead-letters.ts";
import { type Claim, createUsageOutbox } from "./usage-outbox.ts";
import { parkedUsageRecordSchema, type UsageRecord } from "./usage-record.ts";
import { createUsageWriter } from "./usage-writer.ts";

const DRAIN_BATCH = 100;
/** A claim this old belongs to a drainer that died; a drain of 100 rows takes milliseconds. */
const ABANDONED_CLAIM_MS = 60_000;
/**
 * How long a record waits for company; bounds what a crash can lose along with in-flight work.
 * A graceful stop loses nothing: the drain waits for every record's batch. Most of an insert's
 * cost is per statement (the pool's turn, drizzle building it, the round trip): at ~1,400 calls
 * a second 5 ms gathered ~7 records and the SQL client was 6.0% of the gateway's CPU under load;
 * 20 ms gathers ~28 and it is 3.6% (bench profile, Postgres + Redis, 16 connections).
 */
const BATCH_WINDOW_MS = 20;
/**
 * The window on embedded PGlite, whose inserts run in WASM on the request thread: one row costs
 * about 1.3 ms of CPU there, a row in a batch of 32 about 0.17 ms (measured on this machine's
 * dev PGlite, shared_buffers 16 MB). At a few hundred calls a second 20 ms gathers a handful of
 * records; 50 ms gathers tens, and a crash of a laptop's gateway may lose 50 ms of records.
 */
export const EMBEDDED_BATCH_WINDOW_MS = 50;
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
  /** Records waiting in the Redis outbox (Postgres was unreachable when they were written). */
  outboxBacklog(): Promise<number>;
  /** Records Postgres refused, kept in usage_dead_letters. */
  deadLetterCount(): Promise<number>;
}

export function createUsageRecorder(options: {
  db: Database;
  redis: Redis;
  outboxKey: string;
  log: Logger;
  now?: () => number;
  /** How long a record waits for others to share its insert (default 5 ms). */
  batchWindowMs?: number;
}): UsageRecorder {
  const { db, log } = options;
  const batchWindowMs = options.batchWindowMs ?? BATCH_WINDOW_MS;
  const outbox = createUsageOutbox({
    redis: options.redis,
    key: options.outboxKey,
    now: options.now,
  });

  const deadLetters = createUsageDeadLetters(db);
  const writer = createUsageWriter({ db, deadLetters, log });

  /** Postgres first, the outbox second; throws only when neither store took a record. */
  async function store(records: UsageRecord[]): Promise<void> {
    const { unwritten, error } = await writer.write(records);
    if (unwritten.length === 0) return;
    const requestIds = unwritten.map((record) => record.requestId);
    log.warn("usage records parked in the Redis outbox", { requestIds, error });
    try {
      await outbox.park(unwritten.map((record) => JSON.stringify(record)));
    } catch (parkError) {
      // Both stores are down: the log line is the record of last resort.
      log.error("usage records could not be stored", { records: unwritten, error: parkError });
      throw parkError;
    }
  }

  /**
   * Writes one claim. Returns how many records it stored, or null when Postgres is unreachable
   * and the drain should pause. Records that stay unwritten go back to the outbox; stored and
   * dead-lettered ones leave it, so a bad record never comes round again.
   */
  async function drainClaim(claim: Claim): Promise<number | null> {
    const records: UsageRecord[] = [];
    let unreadable = 0;
    for (const item of claim.items) {
      const parsed = parkedUsageRecordSchema.safeParse(reviveJson(item));
      if (parsed.success) {
        records.push(parsed.data);
        continue;
      }
      try {
        await deadLetterUnreadable(item, z.prettifyError(parsed.error));
        unreadable++;
      } catch (error) {
        // Nothing was inserted yet: the whole claim goes back as it was.
        await outbox.release(claim);
        return paused(error);
      }
    }
    const { stored, deadLettered, unwritten, error } = await writer.write(records);
    if (unwritten.length === 0) {
      // Should this fail (or the process die here), the claim is released later and the
      // records inserted again, which request_id makes harmless.
      await outbox.settle(claim);
      return stored;
    }
    if (stored + deadLettered + unreadable === 0) await outbox.release(claim);
    else {
      // Parked before the claim is settled: a crash in between duplicates, never loses.
      await outbox.park(unwritten.map((record) => JSON.stringify(record)));
      await outbox.settle(claim);
    }
    return paused(error);
  }

  /** An outbox entry that is not a usage record at all (a foreign writer, an older version). */
  async function deadLetterUnreadable(item: unknown, problem: string): Promise<void> {
    const reason = `not a usage record: ${problem}`;
    await deadLetters.put(item, requestIdOf(item), reason);
    log.error("unreadable usage outbox entry; kept in usage_dead_letters", { reason });
  }

  function paused(error: unknown): null {
    log.warn("usage outbox drain paused: Postgres unavailable", { error });
    return null;
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
        else timer ??= setTimeout(flush, batchWindowMs);
      });
    },
    async drainOutbox() {
      await outbox.releaseAbandoned(ABANDONED_CLAIM_MS);
      let stored = 0;
      for (;;) {
        const claim = await outbox.claim(DRAIN_BATCH);
        if (!claim) return stored;
        const drained = await drainClaim(claim);
        if (drained === null) return stored;
        stored += drained;
      }
    },
    outboxBacklog: () => outbox.backlog(),
    deadLetterCount: () => deadLetters.count(),
  };
}

/** @upstash/redis deserializes JSON values itself; a string is one it could not parse. */
function reviveJson(item: unknown): unknown {
  if (typeof item !== "string") return item;
  try {
    return JSON.parse(item);
  } catch {
    return item;
  }
}

function requestIdOf(item: unknown): string | null {
  const value = reviveJson(item);
  if (typeof value !== "object" || value === null || !("requestId" in value)) return null;
  return typeof value.requestId === "string" ? value.requestId : null;
}
