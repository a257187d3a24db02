/**
 * Seeing and breaking the database of an in-process gateway: both wrap the same entry points
 * (select, insert, update, delete, execute, transaction), which every query passes through.
 *
 * - databaseWithOutage: while `outage.down` is set, every entry fails the way a refused
 *   connection does; when it is cleared, the same handle works again.
 * - databaseObserved: tells `onQuery` about every query as it starts (to count the hot path's).
 */
import type { Database } from "../../db/client.ts";

export interface Outage {
  down: boolean;
}

export type QueryEntry = "select" | "insert" | "update" | "delete" | "execute" | "transaction";

const ENTRY_POINTS: ReadonlySet<string> = new Set<QueryEntry>([
  "select",
  "insert",
  "update",
  "delete",
  "execute",
  "transaction",
]);

function isEntryPoint(property: string | symbol): property is QueryEntry {
  return typeof property === "string" && ENTRY_POINTS.has(property);
}

export function databaseWithOutage(db: Database, outage: Outage): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (outage.down && isEntryPoint(property)) {
        return () => {
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
            code: "ECONNREFUSED",
          });
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

export function databaseObserved(
  db: Database,
  onQuery: (entry: QueryEntry, args: readonly unknown[]) => void,
): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (!isEntryPoint(property) || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        onQuery(property, args);
        return value.apply(target, args);
      };
    },
  });
}
