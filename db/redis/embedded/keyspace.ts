/**
 * The keyspace: typed values, key expiry and the SCAN order.
 *
 * Expiry follows Redis (https://redis.io/docs/latest/commands/expire/#how-redis-expires-keys):
 * lazily when a key is touched, plus an active sweep that samples keys with a TTL and keeps
 * going while more than a quarter of the sample had expired. The sweep timer is unref'd so an
 * idle store never keeps the process alive.
 */
import { errors } from "./reply.ts";
import type { SortedSet } from "./sorted-set.ts";

export type RedisValue =
  | { readonly type: "string"; readonly data: string }
  | { readonly type: "hash"; readonly data: Map<string, string> }
  | { readonly type: "list"; readonly data: string[] }
  | { readonly type: "set"; readonly data: Set<string> }
  | { readonly type: "zset"; readonly data: SortedSet };

export type RedisType = RedisValue["type"];
export type DataOf<T extends RedisType> = Extract<RedisValue, { type: T }>["data"];

interface Entry {
  value: RedisValue;
  /** Absolute expiry in ms since the epoch; undefined means persistent. */
  expiresAt: number | undefined;
  /** Creation order; SCAN cursors are these ids so keys alive for the whole scan are seen. */
  readonly id: number;
}

const SWEEP_SAMPLE = 20;
const SWEEP_BUDGET_MS = 2;

export class Keyspace {
  private readonly entries = new Map<string, Entry>();
  private readonly volatile = new Set<string>();
  private sweepCursor: Iterator<string> | undefined;
  private nextId = 1;
  private frozenNow: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** Wall-clock ms; frozen while a script or transaction runs, as Redis does for scripts. */
  now(): number {
    return this.frozenNow ?? Date.now();
  }

  /** Runs fn with time frozen so that no key expires half-way through it. */
  atomically<T>(fn: () => T): T {
    if (this.frozenNow !== undefined) return fn();
    this.frozenNow = Date.now();
    try {
      return fn();
    } finally {
      this.frozenNow = undefined;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): RedisValue | undefined {
    return this.live(key)?.value;
  }

  /** The key's data if it holds `type`; WRONGTYPE if it holds something else. */
  read<T extends RedisType>(key: string, type: T): DataOf<T> | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    // Compared through a widened copy: narrowing `type` itself would also narrow T.
    const expected: RedisType = type;
    if (value.type !== expected) throw errors.wrongType();
    // (Casting to DataOf<T> alone trips a TypeScript 5.9 assignability quirk.)
    const data: unknown = value.data;
    return data as DataOf<T> | undefined;
  }

  /** Like read, but creates an empty container when the key does not exist. */
  write<T extends Exclude<RedisType, "string">>(
    key: string,
    type: T,
    create: () => DataOf<T>,
  ): DataOf<T> {
    const existing = this.read(key, type);
    if (existing !== undefined) return existing;
    const data = create();
    this.put(key, { type, data } as RedisValue, undefined);
    return data;
  }

  /** Stores a string; the TTL is cleared unless keepTtl (SET ... KEEPTTL, APPEND, INCR). */
  setString(key: string, data: string, keepTtl = false): void {
    const entry = this.live(key);
    this.put(key, { type: "string", data }, keepTtl ? entry?.expiresAt : undefined);
  }

  put(key: string, value: RedisValue, expiresAt: number | undefined): void {
    const entry = this.live(key);
    if (entry) {
      entry.value = value;
      this.setExpiryOf(key, entry, expiresAt);
      return;
    }
    const created: Entry = { value, expiresAt: undefined, id: this.nextId++ };
    this.entries.set(key, created);
    this.setExpiryOf(key, created, expiresAt);
  }

  delete(key: string): boolean {
    if (!this.live(key)) return false;
    this.remove(key);
    return true;
  }

  /** Redis deletes a hash, list, set or sorted set when its last element goes. */
  deleteIfEmpty(key: string): void {
    const value = this.entries.get(key)?.value;
    if (!value || value.type === "string") return;
    const size = value.type === "list" ? value.data.length : value.data.size;
    if (size === 0) this.remove(key);
  }

  expiresAt(key: string): number | undefined {
    return this.live(key)?.expiresAt;
  }

  /** Sets (or with undefined clears) a TTL; a time in the past deletes the key. */
  setExpiry(key: string, expiresAt: number | undefined): boolean {
    const entry = this.live(key);
    if (!entry) return false;
    this.setExpiryOf(key, entry, expiresAt);
    return true;
  }

  /** Live keys in creation order from after `cursor` (an id; 0 starts over). */
  *keysAfter(cursor: number): Generator<{ key: string; id: number; value: RedisValue }> {
    for (const [key, entry] of this.entries) {
      if (entry.id <= cursor || this.isExpired(entry)) continue;
      yield { key, id: entry.id, value: entry.value };
    }
  }

  flush(): void {
    this.entries.clear();
    this.volatile.clear();
    this.sweepCursor = undefined;
  }

  /** One active-expiry cycle; returns how many keys it removed. */
  sweep(): number {
    const started = Date.now();
    let removed = 0;
    while (Date.now() - started <= SWEEP_BUDGET_MS) {
      let sampled = 0;
      let expired = 0;
      while (sampled < SWEEP_SAMPLE) {
        const next = this.nextVolatile();
        if (next === undefined) break;
        sampled++;
        const entry = this.entries.get(next);
        if (entry && this.isExpired(entry)) {
          this.remove(next);
          expired++;
        }
      }
      removed += expired;
      if (sampled === 0 || expired * 4 <= sampled) break;
    }
    return removed;
  }

  startSweeping(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), intervalMs);
    // Deno returns a number from setInterval; unref where the runtime offers it.
    if (typeof this.timer === "object" && "unref" in this.timer) this.timer.unref();
  }

  stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.isExpired(entry)) {
      this.remove(key);
      return undefined;
    }
    return entry;
  }

  private isExpired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= this.now();
  }

  private setExpiryOf(key: string, entry: Entry, expiresAt: number | undefined): void {
    if (expiresAt !== undefined && expiresAt <= this.now()) {
      this.remove(key);
      return;
    }
    entry.expiresAt = expiresAt;
    if (expiresAt === undefined) this.volatile.delete(key);
    else this.volatile.add(key);
  }

  private remove(key: string): void {
    this.entries.delete(key);
    this.volatile.delete(key);
  }

  /** Walks the TTL set round-robin; restarts from the top when it runs out. */
  private nextVolatile(): string | undefined {
    if (this.volatile.size === 0) return undefined;
    this.sweepCursor ??= this.volatile.values();
    let step = this.sweepCursor.next();
    if (step.done) {
      this.sweepCursor = this.volatile.values();
      step = this.sweepCursor.next();
    }
    return step.done ? undefined : step.value;
  }
}
