/**
 * Where usage records go that Postgres refused (usage_dead_letters): kept verbatim with the
 * reason, once per request id, and counted for /ready. Nothing here retries or repairs them; an
 * operator reads them, fixes what produced them, and may re-insert them by hand.
 */
import { count } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { usageDeadLetters } from "../../db/schema/index.ts";

/** Enough to read the cause; a dead letter must stay small whatever the error echoed. */
const MAX_REASON_CHARS = 1_000;
const MAX_REQUEST_ID_CHARS = 200;

export interface UsageDeadLetters {
  /**
   * Stores `item` (a usage record, or an outbox entry that is not one) with the reason it was
   * refused. Throws when Postgres does not take it either; the caller then keeps the item.
   */
  put(item: unknown, requestId: string | null, reason: string): Promise<void>;
  count(): Promise<number>;
}

export function createUsageDeadLetters(db: Database): UsageDeadLetters {
  return {
    async put(item, requestId, reason) {
      await db
        .insert(usageDeadLetters)
        .values({
          requestId: requestId === null ? null : storable(requestId, MAX_REQUEST_ID_CHARS),
          // JSON.stringify escapes U+0000 (and lone surrogates) into ASCII: text takes any of it.
          record: JSON.stringify(item) ?? "null",
          reason: storable(reason, MAX_REASON_CHARS),
        })
        .onConflictDoNothing({ target: usageDeadLetters.requestId });
    },
    async count() {
      const [row] = await db.select({ total: count() }).from(usageDeadLetters);
      return row?.total ?? 0;
    },
  };
}

/**
 * Text Postgres accepts whatever the input: no NUL byte (the one character text refuses), and
 * bounded. Lone surrogates need nothing: the drivers encode them as U+FFFD.
 */
function storable(text: string, maxChars: number): string {
  return text.replaceAll("\u0000", "\uFFFD").slice(0, maxChars);
}
