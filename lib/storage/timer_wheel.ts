/**
 * A hashed timer wheel for ids 0..capacity-1, each with at most one deadline
 * (mTCP keeps such wheels for RTO and TIME-WAIT). Scheduling and cancelling
 * are O(1) with intrusive lists in typed arrays; `expire` visits only the
 * slots between the last call and now. Deadlines past the wheel's horizon wait
 * in their slot and are checked when it comes round.
 *
 * @module
 */

/** Timers for integer ids. */
export class TimerWheel {
  /** Milliseconds per slot. */
  readonly tickMs: number = 0;
  readonly #slots: Int32Array; // head id per slot, -1 empty
  readonly #next: Int32Array;
  readonly #prev: Int32Array;
  readonly #slotOf: Int32Array; // -1 when not scheduled
  readonly #due: Float64Array;
  readonly #tick: Float64Array; // the tick a timer fires at, from #origin
  readonly #mask: number = 0;
  // Ticks count from the wheel's start, so they stay small integers (an
  // absolute tick of a clock near 1.7e12 ms would be a heap number).
  readonly #origin: number = 0;
  #lastTick = 0;
  #count = 0;

  /**
   * Timers for `capacity` ids, `slots` slots (rounded up to a power of two) of
   * `tickMs` each, starting at time `now`.
   */
  constructor(capacity: number, now: number, tickMs = 1, slots = 4096) {
    let n = 1;
    while (n < slots) n <<= 1;
    this.tickMs = tickMs;
    this.#mask = n - 1;
    this.#slots = new Int32Array(n).fill(-1);
    this.#next = new Int32Array(capacity).fill(-1);
    this.#prev = new Int32Array(capacity).fill(-1);
    this.#slotOf = new Int32Array(capacity).fill(-1);
    this.#due = new Float64Array(capacity);
    this.#tick = new Float64Array(capacity);
    this.#origin = Math.floor(now / tickMs);
  }

  /** Timers scheduled. */
  get size(): number {
    return this.#count;
  }

  /** The deadline of `id`, or `Infinity` when none is set. */
  dueOf(id: number): number {
    return this.#slotOf[id]! < 0 ? Infinity : this.#due[id]!;
  }

  /** Sets `id`'s deadline (replacing any); `Infinity` cancels. */
  schedule(id: number, due: number): void {
    if (this.#slotOf[id]! >= 0) {
      if (this.#due[id] === due) return;
      this.cancel(id);
    }
    if (due === Infinity) return;
    // A deadline in the past fires on the next expire().
    let tick = Math.ceil(due / this.tickMs) - this.#origin;
    if (tick <= this.#lastTick) tick = this.#lastTick + 1;
    const slot = tick & this.#mask;
    const head = this.#slots[slot]!;
    this.#next[id] = head;
    this.#prev[id] = -1;
    if (head >= 0) this.#prev[head] = id;
    this.#slots[slot] = id;
    this.#slotOf[id] = slot;
    this.#due[id] = due;
    this.#tick[id] = tick;
    this.#count++;
  }

  /** Removes `id`'s deadline. */
  cancel(id: number): void {
    const slot = this.#slotOf[id]!;
    if (slot < 0) return;
    const n = this.#next[id]!;
    const p = this.#prev[id]!;
    if (p >= 0) this.#next[p] = n;
    else this.#slots[slot] = n;
    if (n >= 0) this.#prev[n] = p;
    this.#slotOf[id] = -1;
    this.#count--;
  }

  /**
   * Appends to `out` every id whose deadline's tick has come (a timer fires at
   * the first tick boundary at or after its deadline), removing them; returns
   * how many.
   */
  expire(now: number, out: number[]): number {
    const nowTick = Math.floor(now / this.tickMs) - this.#origin;
    if (nowTick <= this.#lastTick || this.#count === 0) {
      if (nowTick > this.#lastTick) this.#lastTick = nowTick;
      return 0;
    }
    let found = 0;
    // Visit each slot at most once, even after a long idle gap.
    const steps = Math.min(nowTick - this.#lastTick, this.#mask + 1);
    for (let s = 1; s <= steps; s++) {
      const slot = (this.#lastTick + s) & this.#mask;
      let id = this.#slots[slot]!;
      while (id >= 0) {
        const next = this.#next[id]!;
        if (this.#tick[id]! <= nowTick) {
          this.cancel(id);
          out.push(id);
          found++;
        }
        id = next;
      }
    }
    this.#lastTick = nowTick;
    return found;
  }

  /**
   * When {@linkcode TimerWheel.expire} will next fire something: the tick
   * boundary of the earliest deadline, found by scanning forward; `Infinity`
   * when nothing is scheduled.
   */
  nextDue(): number {
    if (this.#count === 0) return Infinity;
    let best = Infinity;
    for (let s = 1; s <= this.#mask + 1; s++) {
      let id = this.#slots[(this.#lastTick + s) & this.#mask]!;
      while (id >= 0) {
        if (this.#tick[id]! < best) best = this.#tick[id]!;
        id = this.#next[id]!;
      }
      // Later slots of this lap hold later ticks: a timer found at or before
      // this slot's tick is the earliest.
      if (best <= this.#lastTick + s) break;
    }
    return (best + this.#origin) * this.tickMs;
  }
}
