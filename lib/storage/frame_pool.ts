/**
 * A fixed pool of frame slots with a queue ordered by due time.
 *
 * All memory is allocated once: slot bytes in one `Uint8Array`, lengths, due
 * times and the heap in typed arrays. Frames scheduled for the same time come
 * out in the order they were scheduled, so a pool with every due time equal is
 * a FIFO. Used for link delivery queues, delay and reordering, and packets
 * waiting on ARP.
 *
 * @module
 */

import type { Arena } from "./arena.ts";
import { DueHeap } from "./due_heap.ts";

/**
 * A pool of `capacity` slots of `slotSize` bytes each.
 *
 * @example Frame slots by number
 * ```ts
 * import assert from "node:assert/strict";
 * import { FramePool } from "../mod.ts";
 * const pool = new FramePool(8, 2048);
 * const slot = pool.acquire();
 * assert.ok(slot >= 0);
 * pool.setLength(slot, 60);
 * assert.equal(pool.lengthOf(slot), 60);
 * assert.equal(pool.inUse, 1);
 * pool.release(slot);
 * ```
 */
export class FramePool {
  /** Slot memory: slot `i` starts at `i * slotSize`. */
  readonly bytes: Uint8Array;
  /** Bytes per slot. */
  readonly slotSize: number = 0;
  /** Number of slots. */
  readonly capacity: number = 0;
  readonly #lengths: Uint32Array;
  readonly #free: Int32Array;
  #freeCount: number = 0;
  readonly #queue: DueHeap;

  /**
   * Allocates all memory now (from `arena` when given and it has room);
   * throws `RangeError` for a size that is not a positive integer.
   */
  constructor(capacity: number, slotSize: number, arena?: Arena) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Invalid pool capacity: ${capacity}`);
    }
    if (!Number.isInteger(slotSize) || slotSize < 1) {
      throw new RangeError(`Invalid slot size: ${slotSize}`);
    }
    this.capacity = capacity;
    this.slotSize = slotSize;
    this.bytes = arena?.alloc(capacity * slotSize) ?? new Uint8Array(capacity * slotSize);
    this.#lengths = new Uint32Array(capacity);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = capacity - 1 - i;
    this.#freeCount = capacity;
    this.#queue = new DueHeap(capacity);
  }

  /** Slots neither free nor released: scheduled or held by a caller. */
  get inUse(): number {
    return this.capacity - this.#freeCount;
  }
  /** Frames scheduled and not yet taken. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Takes a free slot; -1 when none is free. */
  acquire(): number {
    if (this.#freeCount === 0) return -1;
    return this.#free[--this.#freeCount]!;
  }
  /** Returns a slot to the free list. */
  release(slot: number): void {
    this.#free[this.#freeCount++] = slot;
  }
  /** Offset of `slot` in {@linkcode FramePool.bytes}. */
  offsetOf(slot: number): number {
    return slot * this.slotSize;
  }
  /** Length recorded for `slot`. */
  lengthOf(slot: number): number {
    return this.#lengths[slot]!;
  }
  /** Due time recorded for `slot` when it was scheduled. */
  dueOf(slot: number): number {
    return this.#queue.dueOf(slot);
  }
  /** Records `length` for a held slot without queueing it. */
  setLength(slot: number, length: number): void {
    this.#lengths[slot] = length;
  }

  /** Queues an acquired slot holding `length` bytes, to come out at `due`. */
  schedule(slot: number, length: number, due: number): void {
    this.#lengths[slot] = length;
    this.#queue.push(slot, due);
  }

  /** Due time of the earliest queued frame, or `Infinity`. */
  nextDue(): number {
    return this.#queue.nextDue();
  }

  /**
   * Takes the earliest queued frame if it is due at `now`, else returns -1.
   * The caller reads it, then {@linkcode FramePool.release}s the slot.
   */
  takeDue(now: number): number {
    return this.#queue.popDue(now);
  }

  /** Empties the queue and frees every slot. */
  clear(): void {
    this.#queue.clear();
    for (let i = 0; i < this.capacity; i++) this.#free[i] = this.capacity - 1 - i;
    this.#freeCount = this.capacity;
  }
}
