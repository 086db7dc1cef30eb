/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
 *
 * Sequence numbers are plain uint32 numbers. Comparison is by the sign of the
 * 32-bit difference, which is correct whenever the two numbers are less than
 * 2^31 apart, as every pair a TCP compares is.
 *
 * @module
 */

/** `a + n` modulo 2^32. `n` may be negative. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance `a - b`, in `[-2^31, 2^31)`. */
export function seqSub(a: number, b: number): number {
  return (a - b) | 0;
}

/** `a < b` in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a <= b` in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a > b` in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** `a >= b` in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqGt(a, b) ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}

/** `start <= x < end` in sequence space (an empty range when start = end). */
export function seqInRange(x: number, start: number, end: number): boolean {
  return seqLe(start, x) && seqLt(x, end);
}
