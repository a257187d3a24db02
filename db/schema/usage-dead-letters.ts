import { pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.ts";

/**
 * Usage records Postgres refused (a NUL byte, an out-of-range number, a record from an older
 * version that no longer fits), kept so that one bad row never blocks the others. The record is
 * JSON *text*, not jsonb: jsonb refuses `\u0000`, the commonest reason a record lands here, while
 * JSON.stringify escapes it into plain ASCII that any text column takes. No foreign keys, as in
 * usage_records: a dead letter must always land.
 */
export const usageDeadLetters = pgTable("usage_dead_letters", {
  id: id(),
  /** Unique: a record dead-lettered again (a drain retried after a crash) is kept once. */
  requestId: text("request_id").unique(),
  /** The record exactly as it was offered, JSON-encoded. */
  record: text("record").notNull(),
  /** Why Postgres refused it: SQLSTATE and message. */
  reason: text("reason").notNull(),
  createdAt: createdAt(),
});
