/**
 * Clocks: the system's, or a virtual one a discrete-event simulation moves.
 * Times are milliseconds (fractions allowed).
 *
 * @module
 */

/**
 * Something that tells the time in milliseconds.
 *
 * @example The memory network's clock: virtual unless asked for the system's
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Clock, MemoryNetwork } from "../../mod.ts";
 * assert.equal(new MemoryNetwork().clock.virtual, true);
 * const real: Clock = new MemoryNetwork({ clock: "system" }).clock;
 * assert.equal(real.virtual, false);
 * assert.ok(Math.abs(real.now() - Date.now()) < 1000);
 * ```
 */
export interface Clock {
  /** The current time. */
  now(): number;
  /** True when time only moves when told to (a simulation). */
  readonly virtual: boolean;
}

/** Wall-clock time: milliseconds since the epoch, microsecond resolution. */
export class SystemClock implements Clock {
  /** Always false. */
  readonly virtual = false;
  /** The current time. */
  now(): number {
    return performance.timeOrigin + performance.now();
  }
}

/** A clock that only moves forward when {@linkcode VirtualClock.advanceTo} says so. */
export class VirtualClock implements Clock {
  /** Always true. */
  readonly virtual = true;
  #now: number = 0;
  /** Starts at `start` ms (default: an arbitrary fixed epoch, so runs repeat). */
  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }
  /** The current time. */
  now(): number {
    return this.#now;
  }
  /** Moves to `time`; never backwards. */
  advanceTo(time: number): void {
    if (time > this.#now) this.#now = time;
  }
  /** Moves forward by `ms`. */
  advanceBy(ms: number): void {
    if (ms > 0) this.#now += ms;
  }
}
