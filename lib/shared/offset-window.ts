/**
 * The newest entries of an offset-ordered log, in memory and bounded: what lies after a given offset, and whether
 * the window still holds all of it. Used by the store's catch-up cache and by the delivery core, which finishes
 * every catch-up synchronously from what it delivered last.
 *
 * Offsets increase but need not be contiguous (SQLite skips the ids of refused inserts), so coverage is tracked
 * explicitly: every entry with an offset above `coveredAfter` is held.
 */
export class OffsetWindow<T> {
  private entries: T[] = [];

  /**
   * `coveredAfter`: the offset from which on every appended entry is known (entries at or below it were never
   * appended). `capacity` 0 holds nothing and covers nothing.
   */
  constructor(
    private readonly capacity: number,
    private coveredAfter: number,
    private readonly offsetOf: (entry: T) => number,
  ) {
    if (capacity === 0) this.coveredAfter = Number.POSITIVE_INFINITY;
  }

  /** Whether every entry with an offset above `offset` is held (or was never appended). */
  covers(offset: number): boolean {
    return offset >= this.coveredAfter;
  }

  /** Entries with `offset < o <= upTo`, ascending, at most `limit`; null when some of them are no longer held. */
  after(offset: number, limit = Number.POSITIVE_INFINITY, upTo = Number.POSITIVE_INFINITY): T[] | null {
    if (!this.covers(offset)) return null;
    const start = this.firstIndexAbove(offset);
    const end = Math.min(start + limit, upTo === Number.POSITIVE_INFINITY ? this.entries.length : this.firstIndexAbove(upTo));
    return this.entries.slice(start, Math.max(start, end));
  }

  /** New entries, ascending, all above what is held. */
  append(entries: readonly T[]): void {
    if (this.capacity === 0 || entries.length === 0) return;
    for (const entry of entries) this.entries.push(entry);
    // Trimmed in chunks, not per entry: one copy per `capacity / 4` appends.
    if (this.entries.length > this.capacity + this.capacity / 4) {
      const drop = this.entries.length - this.capacity;
      this.coveredAfter = this.offsetOf(this.entries[drop - 1]!);
      this.entries = this.entries.slice(drop);
    }
  }

  /** The held entry at exactly this offset, if any. */
  get(offset: number): T | undefined {
    const index = this.firstIndexAbove(offset - 1);
    const entry = this.entries[index];
    return entry !== undefined && this.offsetOf(entry) === offset ? entry : undefined;
  }

  /** Puts `entry` in place of the held entry with the same offset, if one is held; returns whether it was. */
  replace(entry: T): boolean {
    const offset = this.offsetOf(entry);
    const index = this.firstIndexAbove(offset - 1);
    if (this.get(offset) === undefined) return false;
    this.entries[index] = entry;
    return true;
  }

  private firstIndexAbove(offset: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.offsetOf(this.entries[middle]!) <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
