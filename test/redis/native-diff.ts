/**
 * Differential runs for the native script twins: the same commands on two fresh embedded
 * engines, one running every script in fengari, one with the twins, compared reply by reply
 * and keyspace by keyspace (values, order and expiry times). The clock is faked (Date only),
 * so both engines expire and stamp TTLs at the same instants.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { EmbeddedRedis } from "../../db/redis/embedded/engine.ts";
import type { RedisValue } from "../../db/redis/embedded/keyspace.ts";
import { NATIVE_SCRIPTS } from "../../db/redis/embedded/native/registry.ts";
import { DECLINE, type NativeScript } from "../../db/redis/embedded/native/twin.ts";
import { ErrorReply, type Reply, StatusReply } from "../../db/redis/embedded/reply.ts";
import { sha1Hex } from "../../db/redis/sha1.ts";

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
  };
}
export type Random = ReturnType<typeof random>;

export interface TwinCounts {
  native: number;
  declined: number;
}

/** The registry with every twin counting whether it ran or declined. */
function countingTwins(counts: TwinCounts): Map<string, NativeScript> {
  return new Map(
    [...NATIVE_SCRIPTS].map(([sha, twin]) => [
      sha,
      {
        name: twin.name,
        run: (host, keys, args) => {
          const reply = twin.run(host, keys, args);
          if (reply === DECLINE) counts.declined++;
          else counts.native++;
          return reply;
        },
      } satisfies NativeScript,
    ]),
  );
}

function dumpValue(value: RedisValue): unknown {
  switch (value.type) {
    case "string":
      return value.data;
    case "hash":
      return [...value.data];
    case "list":
      return [...value.data];
    case "set":
      return [...value.data];
    case "zset":
      return value.data.byRank(0, value.data.size - 1);
  }
}

/** Every live key in creation order with its value (in its own order) and expiry time. */
export function dump(engine: EmbeddedRedis): unknown[] {
  return [...engine.keyspace.keysAfter(0)].map(({ key, value }) => [
    key,
    value.type,
    dumpValue(value),
    engine.keyspace.expiresAt(key),
  ]);
}

/** Replies as plain data, errors and statuses tagged, so toEqual shows a readable diff. */
export function plain(reply: Reply): unknown {
  if (reply instanceof ErrorReply) return { error: reply.message };
  if (reply instanceof StatusReply) return { status: reply.message };
  if (Array.isArray(reply)) return reply.map(plain);
  return reply;
}

export class EnginePair {
  readonly counts: TwinCounts = { native: 0, declined: 0 };
  readonly lua = new EmbeddedRedis({ nativeScripts: new Map(), sweepIntervalMs: 3_600_000 });
  readonly native = new EmbeddedRedis({
    nativeScripts: countingTwins(this.counts),
    sweepIntervalMs: 3_600_000,
  });

  /** Runs argv on both; returns both replies as plain data. */
  run(argv: readonly string[]): { lua: unknown; native: unknown } {
    return { lua: plain(this.lua.execute(argv)), native: plain(this.native.execute(argv)) };
  }

  /**
   * Sends one script call to both engines (EVAL or EVALSHA, chosen by `useSha`) and expects the
   * same reply and the same keyspace after it; returns whether the reply was an error.
   */
  compareScript(
    [script, keys, args]: readonly [string, readonly string[], readonly string[]],
    useSha: boolean,
    label: string,
  ): boolean {
    const argv = useSha
      ? ["EVALSHA", sha1Hex(script), String(keys.length), ...keys, ...args]
      : ["EVAL", script, String(keys.length), ...keys, ...args];
    const where = `${label}: ${argv.slice(2).join(" ")}`;
    const { lua, native } = this.run(argv);
    expect(native, where).toEqual(lua);
    const dumps = this.dumps();
    expect(dumps.native, where).toEqual(dumps.lua);
    return typeof native === "object" && native !== null && "error" in native;
  }

  dumps(): { lua: unknown[]; native: unknown[] } {
    return { lua: dump(this.lua), native: dump(this.native) };
  }

  close(): void {
    this.lua.close();
    this.native.close();
  }
}

/** The Lua template literals of a source file, as sent (for scripts a module keeps private). */
export function luaLiterals(file: string): string[] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
  return [...text.matchAll(/`([^`]*redis\.call[^`]*)`/g)].map((match) => match[1] ?? "");
}
