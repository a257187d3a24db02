/**
 * A sorted set: members ordered by (score, member), as Redis' skiplist orders them
 * (https://redis.io/docs/latest/develop/data-types/sorted-sets/). A sorted array with binary
 * search stands in for the skiplist: inserts are O(n) but the sets an embedded gateway keeps
 * (sliding logs, leaderboards) are small, and ranks come for free.
 */
export interface ScoredMember {
  readonly member: string;
  readonly score: number;
}

/** Redis compares members with memcmp; code unit order agrees for the strings we store. */
function compare(a: ScoredMember, score: number, member: string): number {
  if (a.score !== score) return a.score < score ? -1 : 1;
  if (a.member === member) return 0;
  return a.member < member ? -1 : 1;
}

export class SortedSet {
  private readonly scores = new Map<string, number>();
  private readonly ordered: ScoredMember[] = [];

  get size(): number {
    return this.ordered.length;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Adds or moves a member; -0 is stored as 0 like Redis does. */
  set(member: string, score: number): void {
    const normalized = score + 0;
    this.delete(member);
    const index = this.lowerBound(normalized, member);
    this.ordered.splice(index, 0, { member, score: normalized });
    this.scores.set(member, normalized);
  }

  delete(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    const index = this.lowerBound(score, member);
    this.ordered.splice(index, 1);
    this.scores.delete(member);
    return true;
  }

  /** 0-based rank in ascending order. */
  rank(member: string): number | undefined {
    const score = this.scores.get(member);
    return score === undefined ? undefined : this.lowerBound(score, member);
  }

  /** Members at ranks start..stop inclusive (already clamped by the caller). */
  byRank(start: number, stop: number): ScoredMember[] {
    return this.ordered.slice(start, stop + 1);
  }

  /** Members with min <= score <= max, honouring exclusive bounds, ascending. */
  byScore(range: ScoreRange): ScoredMember[] {
    const out: ScoredMember[] = [];
    for (let i = this.firstAtLeast(range.min, range.minExclusive); i < this.ordered.length; i++) {
      const entry = this.ordered[i];
      if (!entry || !withinMax(entry.score, range)) break;
      out.push(entry);
    }
    return out;
  }

  /** Removes ranks start..stop inclusive; returns how many went. */
  deleteRanks(start: number, stop: number): number {
    const removed = this.ordered.splice(start, stop - start + 1);
    for (const entry of removed) this.scores.delete(entry.member);
    return removed.length;
  }

  private firstAtLeast(min: number, exclusive: boolean): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const score = this.ordered[mid]?.score ?? Infinity;
      if (score < min || (exclusive && score === min)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private lowerBound(score: number, member: string): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const entry = this.ordered[mid];
      if (entry && compare(entry, score, member) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

export interface ScoreRange {
  readonly min: number;
  readonly max: number;
  readonly minExclusive: boolean;
  readonly maxExclusive: boolean;
}

function withinMax(score: number, range: ScoreRange): boolean {
  return range.maxExclusive ? score < range.max : score <= range.max;
}
