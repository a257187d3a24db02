/**
 * Per-request batching (DataLoader): a field resolved for each row of a page asks its loader, and
 * the loader runs one query for the whole page. Loaders live in the request's context, so a
 * cached row never outlives the request or crosses to another viewer; each batch function still
 * goes through the tenant choke point (access.ts).
 */
import DataLoader from "dataloader";
import type { GraphQLContext } from "./context.ts";

export function loaderFor<Key, Value>(
  context: GraphQLContext,
  name: string,
  batch: (keys: readonly Key[]) => Promise<Value[]>,
): DataLoader<Key, Value> {
  let loader = context.loaders.get(name) as DataLoader<Key, Value> | undefined;
  if (!loader) {
    loader = new DataLoader<Key, Value>(batch, { maxBatchSize: 500 });
    context.loaders.set(name, loader);
  }
  return loader;
}

/** Rows grouped under each key asked, in the order asked (empty where none). */
export function groupedBy<Row>(keys: readonly string[], rows: Row[], keyOf: (row: Row) => string) {
  const groups = new Map<string, Row[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}
