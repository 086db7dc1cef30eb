/**
 * The sender's SACK scoreboard (RFC 6675 §3, gVisor's `sack_scoreboard.go`):
 * the ranges the peer reported as received above SND.UNA, as byte offsets
 * from SND.UNA (shifted as it advances, so comparisons are plain numbers),
 * and what RFC 6675 asks of them: IsLost's count of SACKed bytes, NextSeg's
 * walk over the holes, and SetPipe.
 *
 * A connection that never receives a SACK block shares
 * {@linkcode SackScoreboard.EMPTY}, which stays empty: the ranges are made
 * at the first block.
 *
 * @module
 */

import { Assembler } from "../storage/assembler.ts";

/** Ranges tracked at once; a full scoreboard ignores more (recovery is only slower). */
const SCOREBOARD_RANGES = 16;

/**
 * SACKed ranges above SND.UNA.
 *
 * @example Two SACKed ranges, a hole at SND.UNA, and what is in flight
 * ```ts
 * import assert from "node:assert/strict";
 * import { SackScoreboard } from "../mod.ts";
 * const sb = new SackScoreboard();
 * sb.add(1000, 1000); // [1000, 2000) SACKed
 * sb.add(3000, 500); // [3000, 3500)
 * assert.equal(sb.sackedBytes(), 1500);
 * assert.equal(sb.endAt(1500), 2000); // 1500 is inside a SACKed range
 * assert.equal(sb.nextStart(2000), 3000);
 * // 5000 bytes out, nothing retransmitted: above the highest SACK is in flight.
 * assert.equal(sb.pipe(5000, 0), 1500);
 * ```
 */
export class SackScoreboard {
  /** The scoreboard of a connection that has not seen a SACK block (never changes). */
  static readonly EMPTY: SackScoreboard = new SackScoreboard(0);
  readonly #ranges: Assembler;

  /** A scoreboard of up to `maxRanges` ranges. */
  constructor(maxRanges = SCOREBOARD_RANGES) {
    this.#ranges = new Assembler(maxRanges);
  }

  /** True when nothing above SND.UNA is SACKed. */
  get isEmpty(): boolean {
    return this.#ranges.isEmpty;
  }

  /** Records `[offset, offset + size)` as SACKed. */
  add(offset: number, size: number): void {
    this.#ranges.add(offset, size);
  }

  /** SND.UNA moved forward by `n` bytes. */
  advance(n: number): void {
    if (!this.#ranges.isEmpty) this.#ranges.advance(n);
  }

  /** Bytes SACKed in all (RFC 6675 IsLost(SND.UNA) compares it with (DupThresh - 1) * SMSS). */
  sackedBytes(): number {
    let sacked = 0;
    for (let i = 0; i < this.#ranges.count; i++) {
      sacked += this.#ranges.endOf(i) - this.#ranges.startOf(i);
    }
    return sacked;
  }

  /** The end of the highest SACKed range (the forward-most acknowledged byte), or 0. */
  highest(): number {
    return this.#ranges.isEmpty ? 0 : this.#ranges.endOf(this.#ranges.count - 1);
  }

  /** If `offset` lies in a SACKed range, that range's end; else -1. */
  endAt(offset: number): number {
    for (let k = 0; k < this.#ranges.count; k++) {
      if (offset >= this.#ranges.startOf(k) && offset < this.#ranges.endOf(k)) {
        return this.#ranges.endOf(k);
      }
    }
    return -1;
  }

  /** The start of the next SACKed range above `offset`, or Infinity. */
  nextStart(offset: number): number {
    for (let k = 0; k < this.#ranges.count; k++) {
      if (this.#ranges.startOf(k) > offset) return this.#ranges.startOf(k);
    }
    return Infinity;
  }

  /**
   * RFC 6675 §4 SetPipe in the FACK form, for `sent` bytes out (SND.MAX less
   * SND.UNA) of which those below `retransmitted` (HighRxt less SND.UNA)
   * went again: everything above the highest SACKed byte is in flight, the
   * holes below it are lost, and what was retransmitted into them is in
   * flight again.
   */
  pipe(sent: number, retransmitted: number): number {
    const above = Math.max(0, sent - this.highest());
    const rxt = Math.max(0, retransmitted);
    let sackedBelowRxt = 0;
    for (let k = 0; k < this.#ranges.count; k++) {
      const lo = this.#ranges.startOf(k);
      const hi = Math.min(this.#ranges.endOf(k), rxt);
      if (hi > lo) sackedBelowRxt += hi - lo;
    }
    return above + Math.max(0, rxt - sackedBelowRxt);
  }
}
