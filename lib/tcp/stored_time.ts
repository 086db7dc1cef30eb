/**
 * Times as a socket stores them: whole milliseconds from the owner's epoch
 * (`MtcpContext.timeEpoch`), rounded up, in a small integer. A field holding
 * a small integer costs nothing more, where a double past 2^31 or with a
 * fraction is a heap number of its own (16 bytes per field and socket, and an
 * allocation each time it changes): arming, disarming and comparing
 * deadlines on the hot path then allocate nothing.
 *
 * Three values are reserved: {@linkcode T_INF} (a timer that is off),
 * {@linkcode T_NEG_INF} (long ago) and {@linkcode T_NONE} (the "none" of a
 * field that uses it). Every stored time is made here, by
 * {@linkcode storedMs} or {@linkcode storedAfter}, which step off them, and
 * read back by {@linkcode decodeTime}.
 *
 * @example A deadline 40 ms after now, and back
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeTime, storedAfter, T_INF } from "../mod.ts";
 * const epoch = 1_000_000.5, now = 1_000_123.25;
 * const nowMs = Math.ceil(now - epoch); // what a socket's nowMs() gives: 123
 * const at = storedAfter(nowMs, 40);
 * assert.equal(at, 163);
 * assert.equal(decodeTime(at, epoch), 1_000_163.5);
 * assert.equal(decodeTime(T_INF, epoch), Infinity);
 * ```
 *
 * @module
 */

/** A timer that is off: decodes to Infinity. */
export const T_INF = 0x7fffffff;
/** Long ago: decodes to -Infinity. */
export const T_NEG_INF = -0x7fffffff;
/** No time (a field's "none"): decodes to -1. */
export const T_NONE = -0x7ffffffe;

/**
 * The stored form of `ms`, whole ms from the epoch (worked out by the caller
 * as `nowMs + d`, so no large number crosses a call), kept off the reserved
 * values: a step past one keeps it a plain time.
 */
export function storedMs(ms: number): number {
  return ms === T_INF ? ms + 1 : ms === T_NEG_INF || ms === T_NONE ? ms - 3 : ms;
}

/** A deadline `delayMs` (rounded up) after the stored time `fromMs`. */
export function storedAfter(fromMs: number, delayMs: number): number {
  return storedMs(fromMs + Math.ceil(delayMs));
}

/** The time a stored value stands for, on the clock whose epoch is `epoch`. */
export function decodeTime(x: number, epoch: number): number {
  if (x === T_INF) return Infinity;
  if (x === T_NEG_INF) return -Infinity;
  if (x === T_NONE) return -1;
  return epoch + x;
}
