/**
 * Relay connections over SQL with keyset pagination: a page is one indexed range query, however
 * deep the client pages, and a row inserted meanwhile never shifts a page. Cursors are opaque
 * (base64url of a versioned JSON array of the ordering key); a malformed one is BAD_USER_INPUT.
 *
 * Every list of the admin API that can grow with the data is a connection with at most
 * MAX_PAGE_SIZE nodes per page, so no query can ask for an unbounded list (the document cost
 * limit counts `first` too). The few plain lists left are bounded by the data model itself (a
 * route's deployments, the budgets of one object: one per window, a grant's chain: its depth).
 */
import { resolveCursorConnection } from "@pothos/plugin-relay";
import {
  type AnyColumn,
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  lt,
  lte,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { GraphQLContext } from "./context.ts";
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
 * How a list is ordered and cut: the key of a row (what its cursor encodes), and the SQL of
 * "after"/"before" a key and of the order. The key is unique per row, so no row is skipped or
 * repeated across pages.
 */
export interface Keyset<Row> {
  of: (row: Row) => unknown[];
  /** The key from a decoded cursor, or undefined when it is not a key of this list. */
  parse: (values: unknown[]) => unknown[] | undefined;
  after: (key: unknown[]) => SQL | undefined;
  before: (key: unknown[]) => SQL | undefined;
  order: (inverted: boolean) => SQL[];
}

/** Versioned so a future change of the key can refuse an old cursor instead of misreading it. */
const CURSOR_VERSION = 1;

const encodeCursor = (key: unknown[]) =>
  Buffer.from(JSON.stringify([CURSOR_VERSION, ...key]), "utf8").toString("base64url");

function decodeCursor<Row>(cursor: string, keyset: Keyset<Row>): unknown[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const key =
    Array.isArray(decoded) && decoded[0] === CURSOR_VERSION
      ? keyset.parse(decoded.slice(1))
      : undefined;
  if (!key) throw badInput("after/before: not a cursor of this list");
  return key;
}

/** A connection over rows in `keyset` order; `load` runs the query with the page's range. */
export function keysetConnection<Row>(
  args: PageArgs,
  keyset: Keyset<Row>,
  load: (page: Page) => Promise<Row[]>,
) {
  for (const name of ["first", "last"] as const) {
    const size = args[name];
    if (size === null || size === undefined) continue;
    if (size > MAX_PAGE_SIZE) throw badInput(`${name}: at most ${MAX_PAGE_SIZE} per page`);
    if (size < 0) throw badInput(`${name}: not negative`);
  }
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
      toCursor: (row: Row) => encodeCursor(keyset.of(row)),
    },
    ({ before, after, limit, inverted }) => {
      const conditions: Array<SQL | undefined> = [];
      if (after) conditions.push(keyset.after(decodeCursor(after, keyset)));
      if (before) conditions.push(keyset.before(decodeCursor(before, keyset)));
      return load({ where: and(...conditions), orderBy: keyset.order(inverted), limit });
    },
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

/** Key: a uuid id column (stable order for rows of a list with no meaningful order). */
export const byUuid = <Row extends { id: string }>(column: AnyColumn): Keyset<Row> => ({
  of: (row) => [row.id],
  parse: ([id, ...rest]) => (isUuid(id) && rest.length === 0 ? [id] : undefined),
  after: ([id]) => gt(column, id),
  before: ([id]) => lt(column, id),
  order: (inverted) => [inverted ? desc(column) : asc(column)],
});

/** Key: an integer column (the audit chain's seq). */
export const byInteger = <Row>(column: AnyColumn, of: (row: Row) => number): Keyset<Row> => ({
  of: (row) => [of(row)],
  parse: ([value, ...rest]) =>
    Number.isSafeInteger(value) && rest.length === 0 ? [value] : undefined,
  after: ([value]) => gt(column, value),
  before: ([value]) => lt(column, value),
  order: (inverted) => [inverted ? desc(column) : asc(column)],
});

/** Key: an integer column, largest first (newest signed checkpoints first). */
export const byIntegerDescending = <Row>(
  column: AnyColumn,
  of: (row: Row) => number,
): Keyset<Row> => ({
  ...byInteger(column, of),
  after: ([value]) => lt(column, value),
  before: ([value]) => gt(column, value),
  order: (inverted) => [inverted ? asc(column) : desc(column)],
});

/**
 * Key: a text column (a name, an alias, a model), the id breaking ties, so a list keeps the order
 * a person reads it in. Timestamps are not used as keys: Postgres keeps microseconds that a
 * JavaScript Date (and so a cursor) would round away.
 */
export const byTextThenUuid = <Row extends { id: string }>(
  column: AnyColumn,
  idColumn: AnyColumn,
  text: (row: Row) => string,
): Keyset<Row> => ({
  of: (row) => [text(row), row.id],
  parse: ([value, id, ...rest]) =>
    typeof value === "string" && isUuid(id) && rest.length === 0 ? [value, id] : undefined,
  after: ([value, id]) => or(gt(column, value), and(eq(column, value), gt(idColumn, id))),
  before: ([value, id]) => or(lt(column, value), and(eq(column, value), lt(idColumn, id))),
  order: (inverted) => (inverted ? [desc(column), desc(idColumn)] : [asc(column), asc(idColumn)]),
});

/**
 * An instant as Postgres' own text, with every microsecond it keeps (UTC, ISO 8601): what a cursor
 * of a time-ordered list carries instead of a JavaScript Date, which would round them away.
 */
export const instantText = (column: AnyColumn) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const INSTANT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Key: an instant column, newest first, the id breaking ties (events of one millisecond). The
 * instant travels as `instantText`, so `instant(row)` must be that text selected with the row.
 * The plain bound on the column next to the row comparison lets the (org, created_at) index cut
 * the range.
 */
export const byInstantThenUuidDescending = <Row extends { id: string }>(
  column: AnyColumn,
  idColumn: AnyColumn,
  instant: (row: Row) => string,
): Keyset<Row> => ({
  of: (row) => [instant(row), row.id],
  parse: ([value, id, ...rest]) =>
    typeof value === "string" && INSTANT_TEXT.test(value) && isUuid(id) && rest.length === 0
      ? [value, id]
      : undefined,
  after: ([value, id]) =>
    and(
      lte(column, sql`${value}::timestamptz`),
      sql`(${column}, ${idColumn}) < (${value}::timestamptz, ${id}::uuid)`,
    ),
  before: ([value, id]) =>
    and(
      gte(column, sql`${value}::timestamptz`),
      sql`(${column}, ${idColumn}) > (${value}::timestamptz, ${id}::uuid)`,
    ),
  order: (inverted) => (inverted ? [asc(column), asc(idColumn)] : [desc(column), desc(idColumn)]),
});

/**
 * The connection of one table's rows matching `where` (the parent's org, a filter), in `keyset`
 * order: what every list field on Org and the root `orgs` use.
 */
export function tableConnection<Row>(
  context: GraphQLContext,
  args: PageArgs,
  table: PgTable,
  where: SQL | undefined,
  keyset: Keyset<Row>,
) {
  return keysetConnection(
    args,
    keyset,
    (page) =>
      context.services.sql.db
        .select()
        .from(table)
        .where(and(where, page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit) as unknown as Promise<Row[]>,
  );
}
