/**
 * Why a write failed: Postgres refused this data, or Postgres could not be asked.
 *
 * The difference decides what happens to a usage record. A refused row will be refused again
 * however often it is retried, so it must leave the queue (dead letters); anything else (no
 * connection, a pool timeout, a server shutting down) may pass, so the record waits in the outbox.
 * Only errors that carry a SQLSTATE of a data class count as refusals; everything unknown is
 * treated as an outage, which keeps the record and at worst retries it.
 */

/**
 * SQLSTATE classes of errors caused by the row itself (PostgreSQL, Appendix A):
 * 22 data exception (22021 a NUL byte in text, 22P05 `\u0000` in jsonb, 22P02 a malformed uuid or
 * json, 22003 a number out of range), 23 integrity constraint violation (23502 a missing column of
 * an older record), and 54000 program limit exceeded (a value too large to index).
 */
const ROW_REJECTION = /^(?:22|23)[0-9A-Z]{3}$|^54000$/;
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQLSTATE of a failed query, whichever driver ran it (drizzle wraps it in `cause`). */
export function sqlStateOf(error: unknown): string | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    // Node's network errors also have a string `code` (ECONNREFUSED); a SQLSTATE is 5 characters.
    if ("code" in cause && typeof cause.code === "string" && SQLSTATE.test(cause.code)) {
      return cause.code;
    }
  }
  return undefined;
}

/** True when Postgres answered and refused the data: retrying the same row cannot succeed. */
export function isRowRejection(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && ROW_REJECTION.test(state);
}

/** The driver's own message (drizzle's wrapper only repeats the query), for logs and dead letters. */
export function rejectionReason(error: unknown): string {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ("code" in cause && typeof cause.code === "string" && SQLSTATE.test(cause.code)) {
      return `${cause.code}: ${cause.message}`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
