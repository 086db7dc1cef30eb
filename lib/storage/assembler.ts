/**
 * Tracks which bytes past a stream's next expected position have arrived out
 * of order, as a bounded list of contiguous ranges (after smoltcp's
 * Assembler). Offsets are relative to the next expected byte. When the list
 * is full, a range that would need a new entry is refused, and the segment is
 * dropped as if lost: the number of holes a peer can make us track is bounded.
 *
 * @module
 */

const NO_RANGES = new Float64Array(0);
/** `reported` before its first use: a count of zero. */
export const NO_REPORTED: Int32Array = new Int32Array(1);

/** Out-of-order ranges, at most `maxRanges`. */
export class Assembler {
  /** Most ranges tracked. */
  readonly maxRanges: number = 0;
  // Allocated at the first add: most connections never hold a range, and an
  // idle connection should cost little (the two arrays are about 470 bytes).
  #start: Float64Array = NO_RANGES;
  #end: Float64Array = NO_RANGES;
  #count = 0;
  /** Index of the range last grown, for SACK's "most recent first" (RFC 2018 §4). */
  #recent = -1;
  /**
   * Scratch for the owner: the TCP socket keeps the left edges of the SACK
   * blocks it last reported here ([count, edge, ...]), so that a connection
   * that never reorders pays nothing for them. Made at first use.
   */
  reported: Int32Array = NO_REPORTED;

  /** Tracks at most `maxRanges` ranges (default 8). */
  constructor(maxRanges = 8) {
    this.maxRanges = maxRanges;
  }

  /** Number of ranges. */
  get count(): number {
    return this.#count;
  }
  /** True when nothing is held out of order. */
  get isEmpty(): boolean {
    return this.#count === 0;
  }
  /** Start offset of range `i` (sorted by offset). */
  startOf(i: number): number {
    return this.#start[i]!;
  }
  /** End offset (exclusive) of range `i`. */
  endOf(i: number): number {
    return this.#end[i]!;
  }
  /** Index of the most recently extended range, or -1. */
  get recent(): number {
    return this.#recent;
  }

  /**
   * Records `[offset, offset + size)` as received. Returns false (and records
   * nothing) when it would need more than `maxRanges` ranges.
   */
  add(offset: number, size: number): boolean {
    if (size <= 0) return true;
    if (this.#start === NO_RANGES) {
      if (this.maxRanges === 0) return false;
      this.#start = new Float64Array(this.maxRanges);
      this.#end = new Float64Array(this.maxRanges);
    }
    const s = this.#start;
    const e = this.#end;
    let lo = offset;
    let hi = offset + size;
    // First range that ends at or after lo (touching merges).
    let i = 0;
    while (i < this.#count && e[i]! < lo) i++;
    // Ranges i..j-1 overlap or touch [lo, hi).
    let j = i;
    while (j < this.#count && s[j]! <= hi) {
      lo = Math.min(lo, s[j]!);
      hi = Math.max(hi, e[j]!);
      j++;
    }
    const merged = j - i;
    if (merged === 0 && this.#count === this.maxRanges) return false;
    // Replace ranges i..j-1 with one.
    const shift = 1 - merged;
    if (shift !== 0) {
      if (shift > 0) {
        for (let k = this.#count - 1; k >= j; k--) {
          s[k + shift] = s[k]!;
          e[k + shift] = e[k]!;
        }
      } else {
        for (let k = j; k < this.#count; k++) {
          s[k + shift] = s[k]!;
          e[k + shift] = e[k]!;
        }
      }
      this.#count += shift;
    }
    s[i] = lo;
    e[i] = hi;
    this.#recent = i;
    return true;
  }

  /**
   * Removes and returns the length of data now contiguous at offset 0, and
   * shifts every other range down by it. 0 when the front is still a hole.
   */
  removeFront(): number {
    if (this.#count === 0 || this.#start[0] !== 0) return 0;
    const n = this.#end[0]!;
    for (let k = 1; k < this.#count; k++) {
      this.#start[k - 1] = this.#start[k]! - n;
      this.#end[k - 1] = this.#end[k]! - n;
    }
    this.#count--;
    this.#recent = this.#recent > 0 ? this.#recent - 1 : -1;
    return n;
  }

  /**
   * Shifts every range down by `n` after `n` in-order bytes were taken
   * (ranges reaching below zero are trimmed; empty ones removed).
   */
  advance(n: number): void {
    if (n <= 0) return;
    let w = 0;
    for (let k = 0; k < this.#count; k++) {
      const st = Math.max(0, this.#start[k]! - n);
      const en = this.#end[k]! - n;
      if (en <= 0) {
        if (this.#recent === k) this.#recent = -1;
        continue;
      }
      if (this.#recent === k) this.#recent = w;
      this.#start[w] = st;
      this.#end[w] = en;
      w++;
    }
    this.#count = w;
  }

  /** Forgets everything. */
  clear(): void {
    this.#count = 0;
    this.#recent = -1;
  }
}
