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

/** A pool of `capacity` slots of `slotSize` bytes each. */
export class FramePool {
  /** Slot memory: slot `i` starts at `i * slotSize`. */
  readonly bytes: Uint8Array;
  /** Bytes per slot. */
  readonly slotSize: number;
  /** Number of slots. */
  readonly capacity: number;
  readonly #lengths: Uint32Array;
  readonly #due: Float64Array;
  readonly #order: Float64Array; // tie-break: scheduling order
  readonly #free: Int32Array;
  #freeCount: number;
  readonly #heap: Int32Array;
  #heapSize = 0;
  #nextOrder = 0;

  /** Allocates all memory now; throws `RangeError` for a size that is not a positive integer. */
  constructor(capacity: number, slotSize: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Invalid pool capacity: ${capacity}`);
    }
    if (!Number.isInteger(slotSize) || slotSize < 1) {
      throw new RangeError(`Invalid slot size: ${slotSize}`);
    }
    this.capacity = capacity;
    this.slotSize = slotSize;
    this.bytes = new Uint8Array(capacity * slotSize);
    this.#lengths = new Uint32Array(capacity);
    this.#due = new Float64Array(capacity);
    this.#order = new Float64Array(capacity);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = capacity - 1 - i;
    this.#freeCount = capacity;
    this.#heap = new Int32Array(capacity);
  }

  /** Slots neither free nor released: scheduled or held by a caller. */
  get inUse(): number {
    return this.capacity - this.#freeCount;
  }
  /** Frames scheduled and not yet taken. */
  get queued(): number {
    return this.#heapSize;
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
  /** Due time recorded for `slot`. */
  dueOf(slot: number): number {
    return this.#due[slot]!;
  }
  /** Records `length` for a held slot without queueing it. */
  setLength(slot: number, length: number): void {
    this.#lengths[slot] = length;
  }

  /** Queues an acquired slot holding `length` bytes, to come out at `due`. */
  schedule(slot: number, length: number, due: number): void {
    this.#lengths[slot] = length;
    this.#due[slot] = due;
    this.#order[slot] = this.#nextOrder++;
    let i = this.#heapSize++;
    this.#heap[i] = slot;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(slot, this.#heap[parent]!)) break;
      this.#heap[i] = this.#heap[parent]!;
      i = parent;
    }
    this.#heap[i] = slot;
  }

  /** Due time of the earliest queued frame, or `Infinity`. */
  nextDue(): number {
    return this.#heapSize === 0 ? Infinity : this.#due[this.#heap[0]!]!;
  }

  /**
   * Takes the earliest queued frame if it is due at `now`, else returns -1.
   * The caller reads it, then {@linkcode FramePool.release}s the slot.
   */
  takeDue(now: number): number {
    if (this.#heapSize === 0) return -1;
    const top = this.#heap[0]!;
    if (this.#due[top]! > now) return -1;
    const last = this.#heap[--this.#heapSize]!;
    if (this.#heapSize > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= this.#heapSize) break;
        const r = l + 1;
        const child = r < this.#heapSize && this.#before(this.#heap[r]!, this.#heap[l]!) ? r : l;
        if (!this.#before(this.#heap[child]!, last)) break;
        this.#heap[i] = this.#heap[child]!;
        i = child;
      }
      this.#heap[i] = last;
    }
    return top;
  }

  /** Empties the queue and frees every slot. */
  clear(): void {
    this.#heapSize = 0;
    for (let i = 0; i < this.capacity; i++) this.#free[i] = this.capacity - 1 - i;
    this.#freeCount = this.capacity;
  }

  #before(a: number, b: number): boolean {
    const da = this.#due[a]!;
    const db = this.#due[b]!;
    return da < db || (da === db && this.#order[a]! < this.#order[b]!);
  }
}
