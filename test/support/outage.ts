/**
 * A Postgres outage for in-process tests: while `outage.down` is set, every way into the
 * database (select, insert, update, delete, execute, transaction) fails the way a refused
 * connection does; when it is cleared, the same handle works again.
 */
import type { Database } from "../../db/client.ts";

export interface Outage {
  down: boolean;
}

const ENTRY_POINTS = new Set(["select", "insert", "update", "delete", "execute", "transaction"]);

export function databaseWithOutage(db: Database, outage: Outage): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (outage.down && typeof property === "string" && ENTRY_POINTS.has(property)) {
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
