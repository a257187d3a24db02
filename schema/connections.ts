/**
 * Relay connections over SQL with keyset pagination: a page is one indexed range query, however
 * deep the client pages, and a row inserted meanwhile never shifts a page. Cursors are opaque
 * (base64url of the ordering key); a malformed one is BAD_USER_INPUT.
 *
 * Every list of the admin API is a connection with at most MAX_PAGE_SIZE nodes per page, so no
 * query can ask for an unbounded list (the document cost limit counts `first` too).
 */
import { resolveCursorConnection } from "@pothos/plugin-relay";
import { type AnyColumn, and, asc, desc, gt, lt, type SQL } from "drizzle-orm";
import { badInput } from "./errors.ts";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface Page {
  /** The condition of the page's range (undefined: from the start). */
  where: SQL | undefined;
  orderBy: SQL[];
  limit: number;
}

/**
 * A connection over rows ordered by one unique key column (an audit seq; a uuid id). `keyOf`
 * reads the key of a row; `load` runs the query with the page's condition, order and limit.
 */
export function keysetConnection<Row>(
  args: PageArgs,
  key: { column: AnyColumn; of: (row: Row) => string | number; parse: (text: string) => unknown },
  load: (page: Page) => Promise<Row[]>,
) {
  if ((args.first ?? 0) > MAX_PAGE_SIZE || (args.last ?? 0) > MAX_PAGE_SIZE) {
    throw badInput(`first/last: at most ${MAX_PAGE_SIZE} per page`);
  }
  const decode = (cursor: string) => {
    const text = Buffer.from(cursor, "base64url").toString("utf8");
    const value = key.parse(text);
    if (value === undefined) throw badInput("after/before: not a cursor of this list");
    return value;
  };
  return resolveCursorConnection<Promise<Row[]>>(
    {
      args: {
        first: args.first ?? undefined,
        last: args.last ?? undefined,
        after: args.after ?? undefined,
        before: args.before ?? undefined,
      },
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
      toCursor: (row: Row) => Buffer.from(String(key.of(row)), "utf8").toString("base64url"),
    },
    ({ before, after, limit, inverted }) => {
      const conditions: SQL[] = [];
      if (after) conditions.push(gt(key.column, decode(after)));
      if (before) conditions.push(lt(key.column, decode(before)));
      return load({
        where: and(...conditions),
        orderBy: [inverted ? desc(key.column) : asc(key.column)],
        limit,
      });
    },
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Key: a uuid id column (stable order; rows of one list have no meaningful order otherwise). */
export const byUuid = (column: AnyColumn) => ({
  column,
  of: (row: { id: string }) => row.id,
  parse: (text: string) => (UUID.test(text) ? text : undefined),
});

/** Key: an integer column (the audit chain's seq). */
export const byInteger = <Row>(column: AnyColumn, of: (row: Row) => number) => ({
  column,
  of,
  parse: (text: string) => (/^\d{1,15}$/.test(text) ? Number(text) : undefined),
});
