/**
 * Twins of the usage outbox's scripts (functions/accounting/usage-outbox.ts: CLAIM, RELEASE,
 * SETTLE). The drainer claims after every flush to see whether the outbox holds anything, so
 * CLAIM runs per batch even when Postgres is healthy. Each `call(n, ...)` is the redis.call on
 * line n of the script as sent (line 1 is blank). See twin.ts for the rules a twin keeps.
 */
import type { Reply } from "../reply.ts";
import { allWellFormed, DECLINE, type NativeHost, type NativeScript, plainNumber } from "./twin.ts";

/**
 * unpack() of more items than this is left to fengari (its stack limit words the failure);
 * declining after LRANGE is still before any write.
 */
const MAX_UNPACK = 5_000;

function items(reply: Reply): readonly Reply[] {
  return Array.isArray(reply) ? (reply as readonly Reply[]) : [];
}

function claim(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const [outbox, claims, claimKey] = keys;
  const count = plainNumber(args[0]);
  const at = args[1];
  if (outbox === undefined || claims === undefined || claimKey === undefined) return DECLINE;
  if (count === undefined || at === undefined) return DECLINE;
  const taken = items(host.call(2, "LRANGE", outbox, 0, count - 1));
  if (taken.length === 0) return [];
  if (taken.length > MAX_UNPACK) return DECLINE;
  host.call(4, "LTRIM", outbox, taken.length, -1);
  host.call(5, "RPUSH", claimKey, ...(taken as string[]));
  host.call(6, "ZADD", claims, at, claimKey);
  return taken;
}

function release(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const [outbox, claims, claimKey] = keys;
  if (outbox === undefined || claims === undefined || claimKey === undefined) return DECLINE;
  const taken = items(host.call(2, "LRANGE", claimKey, 0, -1));
  if (taken.length > MAX_UNPACK) return DECLINE;
  if (taken.length > 0) host.call(3, "RPUSH", outbox, ...(taken as string[]));
  host.call(4, "DEL", claimKey);
  host.call(5, "ZREM", claims, claimKey);
  return taken.length;
}

function settle(host: NativeHost, keys: readonly string[], args: readonly string[]) {
  if (!allWellFormed(keys) || !allWellFormed(args)) return DECLINE;
  const [claims, claimKey] = keys;
  if (claims === undefined || claimKey === undefined) return DECLINE;
  host.call(2, "DEL", claimKey);
  host.call(3, "ZREM", claims, claimKey);
  return 1;
}

export const claimTwin: NativeScript = { name: "functions/accounting outbox CLAIM", run: claim };
export const releaseTwin: NativeScript = {
  name: "functions/accounting outbox RELEASE",
  run: release,
};
export const settleClaimTwin: NativeScript = {
  name: "functions/accounting outbox SETTLE",
  run: settle,
};
