/**
 * A binary min-heap of small integer ids keyed by due time, in typed arrays
 * allocated once. Ids with equal due times come out in the order they were
 * pushed, so a heap whose due times never decrease is a FIFO.
 *
 * @module
 */

/** A heap of ids `0 <= id < capacity`, each present at most once. */
export class DueHeap {
  /** Largest id plus one, and the most entries. */
  readonly capacity: number = 0;
  readonly #due: Float64Array;
  readonly #order: Float64Array;
  readonly #heap: Int32Array;
  #size = 0;
  #nextOrder = 0;

  /** Allocates for `capacity` ids; throws `RangeError` unless it is a positive integer. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Invalid heap capacity: ${capacity}`);
    }
    this.capacity = capacity;
    this.#due = new Float64Array(capacity);
    this.#order = new Float64Array(capacity);
    this.#heap = new Int32Array(capacity);
  }

  /** Entries in the heap. */
  get size(): number {
    return this.#size;
  }

  /** Due time given to `id` when it was pushed. */
  dueOf(id: number): number {
    return this.#due[id]!;
  }

  /** Adds `id` (not already present) due at `due + delay`. */
  push(id: number, due: number, delay = 0): void {
    this.#due[id] = due + delay;
    this.#order[id] = this.#nextOrder++;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(id, this.#heap[parent]!)) break;
      this.#heap[i] = this.#heap[parent]!;
      i = parent;
    }
    this.#heap[i] = id;
  }

  /** Due time of the earliest entry, or `Infinity`. */
  nextDue(): number {
    return this.#size === 0 ? Infinity : this.#due[this.#heap[0]!]!;
  }

  /** Removes and returns the earliest id if it is due at `now`, else -1. */
  popDue(now: number): number {
    if (this.#size === 0) return -1;
    const top = this.#heap[0]!;
    if (this.#due[top]! > now) return -1;
    const last = this.#heap[--this.#size]!;
    if (this.#size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= this.#size) break;
        const r = l + 1;
        const child = r < this.#size && this.#before(this.#heap[r]!, this.#heap[l]!) ? r : l;
        if (!this.#before(this.#heap[child]!, last)) break;
        this.#heap[i] = this.#heap[child]!;
        i = child;
      }
      this.#heap[i] = last;
    }
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.#size = 0;
  }

  #before(a: number, b: number): boolean {
    const da = this.#due[a]!;
    const db = this.#due[b]!;
    return da < db || (da === db && this.#order[a]! < this.#order[b]!);
  }
}
