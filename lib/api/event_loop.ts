/**
 * The bookkeeping of a context's round (mTCP's run loop, core.c): which
 * connections have something to do (the dirty list), when each next needs
 * the clock (the timer wheel), and which are finished with. A round runs
 * the timers that ran out, services every dirty connection (those made
 * dirty meanwhile in the same round) and frees what finished; what a
 * connection does is its host's business.
 *
 * @module
 */

import { TimerWheel } from "../storage/timer_wheel.ts";

/** What a round calls back into. */
export interface LoopHost {
  /** Connection `conn`'s timer ran out at `now`. */
  timerFired(conn: number, now: number): void;
  /** Connection `conn` has something to do at `now`. */
  service(conn: number, now: number): void;
  /** Connection `conn` is finished with. */
  free(conn: number): void;
}

/**
 * Dirty connections, timers, and connections to free.
 *
 * @example A timer, a dirty connection, and one to free, in one round
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventLoop } from "../mod.ts";
 * const loop = new EventLoop(8, 0);
 * const seen: string[] = [];
 * loop.schedule(1, 10);
 * loop.markDirty(2);
 * loop.queueFree(3);
 * const host = {
 *   timerFired: (c: number) => (seen.push(`timer ${c}`), loop.markDirty(c)),
 *   service: (c: number) => seen.push(`service ${c}`),
 *   free: (c: number) => seen.push(`free ${c}`),
 * };
 * assert.ok(loop.round(10, host));
 * assert.deepEqual(seen, ["timer 1", "service 2", "service 1", "free 3"]);
 * ```
 */
export class EventLoop {
  readonly #timers: TimerWheel;
  readonly #expired: number[] = [];
  readonly #dirty: Int32Array;
  readonly #isDirty: Uint8Array;
  #dirtyCount = 0;
  readonly #toFree: number[] = [];

  /** A loop for `capacity` connections, its clock starting at `now`. */
  constructor(capacity: number, now: number) {
    this.#timers = new TimerWheel(capacity, now);
    this.#dirty = new Int32Array(capacity);
    this.#isDirty = new Uint8Array(capacity);
  }

  /** True while some connection waits to be serviced. */
  get busy(): boolean {
    return this.#dirtyCount > 0;
  }

  /** Connection `conn` has something to do this round. */
  markDirty(conn: number): void {
    if (this.#isDirty[conn]) return;
    this.#isDirty[conn] = 1;
    this.#dirty[this.#dirtyCount++] = conn;
  }

  /** Connection `conn` needs the clock at `at` (Infinity: never). */
  schedule(conn: number, at: number): void {
    this.#timers.schedule(conn, at);
  }

  /** Connection `conn` needs the clock no more. */
  cancel(conn: number): void {
    this.#timers.cancel(conn);
  }

  /** Frees connection `conn` at the end of the round (once, however often asked). */
  queueFree(conn: number): void {
    if (!this.#toFree.includes(conn)) this.#toFree.push(conn);
  }

  /** When the earliest timer is due (Infinity when none is). */
  nextDue(): number {
    return this.#timers.nextDue();
  }

  /** One round at `now`; true if a timer ran out or a connection was serviced. */
  round(now: number, host: LoopHost): boolean {
    let did = false;
    const expired = this.#expired;
    if (this.#timers.expire(now, expired) > 0) {
      for (const conn of expired) host.timerFired(conn, now);
      // Emptied by pop: `length = 0` would free the array's storage, and the
      // next round would allocate it again.
      while (expired.length > 0) expired.pop();
      did = true;
    }
    if (this.#dirtyCount > 0) {
      did = true;
      // Connections made dirty while servicing are handled in the same round.
      for (let i = 0; i < this.#dirtyCount; i++) {
        const conn = this.#dirty[i]!;
        this.#isDirty[conn] = 0;
        host.service(conn, now);
      }
      this.#dirtyCount = 0;
    }
    if (this.#toFree.length > 0) {
      for (const conn of this.#toFree) host.free(conn);
      while (this.#toFree.length > 0) this.#toFree.pop();
    }
    return did;
  }
}
