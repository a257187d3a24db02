/**
 * Relay global ids: base64 of `<Type>:<id>`, as Pothos' relay plugin writes them. Every row id is
 * a Postgres uuid (db/schema/columns.ts), so an id part that is not one is the client's mistake
 * (BAD_USER_INPUT) and is refused here, before a query would make Postgres fail its uuid cast
 * and the failure look like ours.
 */
import { decodeGlobalID } from "@pothos/plugin-relay";
import { badInput } from "./errors.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeUuidGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = decodeGlobalID(globalId);
  if (!UUID.test(decoded.id)) throw badInput(`Invalid global ID: ${globalId}`);
  return decoded;
}

/** A nullable reference column as a relay global id field's value: null stays null. */
export function optionalGlobalId(type: string, id: string | null | undefined) {
  return id ? { type, id } : null;
}
