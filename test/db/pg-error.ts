/**
 * The SQLSTATE a failed query ended with, whichever driver ran it: drizzle wraps driver errors
 * (DrizzleQueryError), and pg, Neon and PGlite all put the code on the error they raise.
 */
export async function sqlStateOf(query: PromiseLike<unknown>): Promise<string | undefined> {
  try {
    await query;
  } catch (error) {
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
      if ("code" in cause && typeof cause.code === "string") return cause.code;
    }
    throw error;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = "23505";
export const CHECK_VIOLATION = "23514";
export const RESTRICT_VIOLATION = "23001";
