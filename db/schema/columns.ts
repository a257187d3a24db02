/**
 * Column shapes every table shares, so ids, times and money are spelled one way everywhere.
 * Not a table: index.ts does not re-export it.
 */
import { bigint, jsonb, timestamp, uuid } from "drizzle-orm/pg-core";

/** Random uuid primary key; the database fills it, so inserts from any driver agree. */
export const id = () => uuid("id").primaryKey().defaultRandom();

/** `timestamp with time zone`: instants, never wall-clock times. */
export const instant = (name: string) => timestamp(name, { withTimezone: true });

export const createdAt = () => instant("created_at").notNull().defaultNow();

/**
 * Integer nano-USD (1e-9 USD). Integers keep Redis INCRBY arithmetic exact; mode "number" is safe
 * up to 2^53 nano-USD, about 9 million USD per value.
 */
export const nanoUsd = (name: string) => bigint(name, { mode: "number" });

/** Free-form JSON object, `{}` when absent so readers never meet null. */
export const jsonObject = (name: string) =>
  jsonb(name).$type<Record<string, unknown>>().notNull().default({});
