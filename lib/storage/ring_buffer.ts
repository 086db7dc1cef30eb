/**
 * A byte ring buffer for socket send and receive queues.
 *
 * The buffer holds `length` bytes starting at a read position; bytes can also
 * be written past the end ("unallocated" space) before they are committed,
 * which is how out-of-order data waits in the receive buffer until the gap
 * before it fills. Copies go through `copyBytes` (arena.ts): `copyWithin`,
 * allocating nothing, when the other side lives in the same arena (frame
 * slots and socket buffers of one network do); otherwise one short-lived view.
 *
 * @module
 */

import { copyBytes as copy } from "./arena.ts";

/**
 * A fixed-capacity byte ring.
 *
 * @example A byte ring: what is written is read back in order, across the wrap
 * ```ts
 * import assert from "node:assert/strict";
 * const ring = new RingBuffer(new Uint8Array(8));
 * ring.enqueue(new TextEncoder().encode("abcdef"), 0, 6);
 * const out = new Uint8Array(8);
 * assert.equal(ring.dequeue(out, 0, 4), 4); // "abcd"
 * assert.equal(ring.enqueue(new TextEncoder().encode("ghijkl"), 0, 6), 6); // wraps
 * assert.equal(ring.dequeue(out, 0, 8), 8);
 * assert.equal(new TextDecoder().decode(out), "efghijkl");
 * ```
 */
export class RingBuffer {
  /** Backing memory (capacity bytes). */
  readonly storage: Uint8Array;
  #read = 0;
  #length = 0;

  /** Uses `storage` as the ring's memory (its whole length is the capacity). */
  constructor(storage: Uint8Array) {
    this.storage = storage;
  }

  /** Capacity in bytes. */
  get capacity(): number {
    return this.storage.length;
  }
  /** Bytes held. */
  get length(): number {
    return this.#length;
  }
  /** Free space. */
  get window(): number {
    return this.storage.length - this.#length;
  }
  /** True when no bytes are held. */
  get isEmpty(): boolean {
    return this.#length === 0;
  }

  /** Appends up to `length` bytes of `src` from `srcOffset`; returns how many fit. */
  enqueue(src: Uint8Array, srcOffset: number, length: number): number {
    const n = Math.min(length, this.window);
    this.#writeAt(this.#length, src, srcOffset, n);
    this.#length += n;
    return n;
  }

  /**
   * Appends up to `length` bytes produced in place: `fill(into)` writes at
   * the start of `into`, a view of the free space up to the end of the
   * storage (so a second call follows when the free space wraps), and
   * returns how many bytes it wrote. A short count ends the append. Returns
   * the bytes appended. A file can be read straight into a send buffer this
   * way, with no copy through an application buffer.
   */
  enqueueFrom(fill: (into: Uint8Array) => number, length: number): number {
    let total = 0;
    let want = Math.min(length, this.window);
    const cap = this.storage.length;
    while (want > 0) {
      const start = (this.#read + this.#length) % cap;
      const n = Math.min(want, cap - start);
      const got = Math.max(0, Math.min(n, fill(this.storage.subarray(start, start + n))));
      this.#length += got;
      total += got;
      want -= got;
      if (got < n) break;
    }
    return total;
  }

  /** Removes up to `length` bytes into `dst` at `dstOffset`; returns how many. */
  dequeue(dst: Uint8Array, dstOffset: number, length: number): number {
    const n = this.peek(0, dst, dstOffset, length);
    this.discard(n);
    return n;
  }

  /** Copies up to `length` bytes starting `offset` bytes into the held data, without removing them. */
  peek(offset: number, dst: Uint8Array, dstOffset: number, length: number): number {
    if (offset >= this.#length) return 0;
    const n = Math.min(length, this.#length - offset);
    const cap = this.storage.length;
    const start = (this.#read + offset) % cap;
    const first = Math.min(n, cap - start);
    copy(this.storage, start, dst, dstOffset, first);
    if (n > first) copy(this.storage, 0, dst, dstOffset + first, n - first);
    return n;
  }

  /** Drops `n` bytes from the front (acknowledged data). */
  discard(n: number): void {
    const k = Math.min(n, this.#length);
    // The read position keeps moving even when the ring empties: data written
    // past the end (out of order) is placed relative to it.
    this.#read = (this.#read + k) % this.storage.length;
    this.#length -= k;
  }

  /**
   * Writes `length` bytes `offset` bytes past the end of the held data,
   * without making them readable (out-of-order data). Returns how many fit.
   */
  writeUnallocated(offset: number, src: Uint8Array, srcOffset: number, length: number): number {
    const room = this.window - offset;
    if (room <= 0) return 0;
    const n = Math.min(length, room);
    this.#writeAt(this.#length + offset, src, srcOffset, n);
    return n;
  }

  /** Makes `n` bytes written past the end readable. */
  commit(n: number): void {
    this.#length += Math.min(n, this.window);
  }

  /** Forgets everything. */
  clear(): void {
    this.#read = 0;
    this.#length = 0;
  }

  #writeAt(pos: number, src: Uint8Array, srcOffset: number, n: number): void {
    const cap = this.storage.length;
    const start = (this.#read + pos) % cap;
    const first = Math.min(n, cap - start);
    copy(src, srcOffset, this.storage, start, first);
    if (n > first) copy(src, srcOffset + first, this.storage, 0, n - first);
  }
}
