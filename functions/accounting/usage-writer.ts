/**
 * The Postgres side of usage accounting: a batch in one multi-row insert, and when Postgres
 * refuses the batch because of what is in it, row by row, so one bad record (a NUL byte, a
 * number out of range) costs only itself: it goes to the dead letters and the rest are stored.
 * Inserts are idempotent on request_id, so writing a record twice stores it once.
 */
import type { Database } from "../../db/client.ts";
import { usageRecords } from "../../db/schema/index.ts";
import type { Logger } from "../log.ts";
import { isRowRejection, rejectionReason } from "./sql-rejection.ts";
import type { UsageDeadLetters } from "./usage-dead-letters.ts";
import type { UsageRecord } from "./usage-record.ts";

export interface WriteOutcome {
  stored: number;
  deadLettered: number;
  /** Records Postgres could not be asked about (it is unreachable): the caller must keep them. */
  unwritten: UsageRecord[];
  /** Why `unwritten` is not empty. */
  error?: unknown;
}

export interface UsageWriter {
  /** Never throws: what could not be written is returned in `unwritten`. */
  write(records: UsageRecord[]): Promise<WriteOutcome>;
}

export function createUsageWriter(options: {
  db: Database;
  deadLetters: UsageDeadLetters;
  log: Logger;
}): UsageWriter {
  const { db, deadLetters, log } = options;

  async function insert(records: UsageRecord[]): Promise<void> {
    await db.insert(usageRecords).values(records).onConflictDoNothing({
      target: usageRecords.requestId,
    });
  }

  /** One insert per record; stops at the first sign that Postgres itself is gone. */
  async function writeOneByOne(records: UsageRecord[]): Promise<WriteOutcome> {
    const outcome: WriteOutcome = { stored: 0, deadLettered: 0, unwritten: [] };
    for (const [index, record] of records.entries()) {
      try {
        await insert([record]);
        outcome.stored++;
      } catch (error) {
        if (!isRowRejection(error)) return { ...outcome, unwritten: records.slice(index), error };
        const reason = rejectionReason(error);
        try {
          await deadLetters.put(record, record.requestId, reason);
        } catch (deadLetterError) {
          return { ...outcome, unwritten: records.slice(index), error: deadLetterError };
        }
        outcome.deadLettered++;
        log.error("usage record refused by Postgres; kept in usage_dead_letters", {
          requestId: record.requestId,
          orgId: record.orgId,
          reason,
        });
      }
    }
    return outcome;
  }

  return {
    async write(records) {
      if (records.length === 0) return { stored: 0, deadLettered: 0, unwritten: [] };
      try {
        await insert(records);
        return { stored: records.length, deadLettered: 0, unwritten: [] };
      } catch (error) {
        if (!isRowRejection(error))
          return { stored: 0, deadLettered: 0, unwritten: records, error };
        return writeOneByOne(records);
      }
    },
  };
}
