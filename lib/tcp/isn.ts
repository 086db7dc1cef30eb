/**
 * Initial sequence numbers (RFC 6528): ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), with M a 4-microsecond clock and F a keyed
 * hash. F here is HalfSipHash-2-4 (a 64-bit key, 32-bit output), the function
 * Linux also uses for its sequence numbers' hash; the key is random per stack
 * unless a seed is given (for repeatable simulations).
 *
 * @module
 */

/**
 * HalfSipHash-2-4 of three 32-bit words under the key (k0, k1), 32-bit
 * output. The state stays in int32 locals and the rounds are written out, so
 * a call allocates nothing (it runs once per connection on both sides).
 *
 * @example The published test vector for a 12-byte message
 * ```ts
 * import assert from "node:assert/strict";
 * import { halfSipHash3 } from "./isn.ts";
 * // Key bytes 00..07 and message bytes 00..0b, as little-endian words.
 * const h = halfSipHash3(0x03020100, 0x07060504, 0x03020100, 0x07060504, 0x0b0a0908);
 * assert.equal(h, 0x2f87f057);
 * ```
 */
export function halfSipHash3(k0: number, k1: number, a: number, b: number, c: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = 0x6c796765 ^ k0;
  let v3 = 0x74656462 ^ k1;
  // Steps 0-2 take the words, step 3 the length (12 bytes, in the top byte,
  // no tail), each with two rounds; step 4 is the finalisation's four.
  for (let step = 0; step < 5; step++) {
    const m = step === 0 ? a | 0 : step === 1 ? b | 0 : step === 2 ? c | 0 : 12 << 24;
    let rounds = 2;
    if (step < 4) v3 ^= m;
    else {
      v2 ^= 0xff;
      rounds = 4;
    }
    for (let r = 0; r < rounds; r++) {
      v0 = (v0 + v1) | 0;
      v1 = ((v1 << 5) | (v1 >>> 27)) ^ v0;
      v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0;
      v3 = ((v3 << 8) | (v3 >>> 24)) ^ v2;
      v0 = (v0 + v3) | 0;
      v3 = ((v3 << 7) | (v3 >>> 25)) ^ v0;
      v2 = (v2 + v1) | 0;
      v1 = ((v1 << 13) | (v1 >>> 19)) ^ v2;
      v2 = (v2 << 16) | (v2 >>> 16);
    }
    if (step < 4) v0 ^= m;
  }
  return (v1 ^ v3) >>> 0;
}

/** Generates RFC 6528 initial sequence numbers for one stack. */
export class IsnGenerator {
  readonly #k0: number = 0;
  readonly #k1: number = 0;

  /** A random key, or one derived from `seed` for repeatable runs. */
  constructor(seed?: number) {
    if (seed === undefined) {
      const key = crypto.getRandomValues(new Uint32Array(2));
      this.#k0 = key[0]!;
      this.#k1 = key[1]!;
    } else {
      this.#k0 = halfSipHash3(0x9e3779b9, 0x7f4a7c15, seed, 1, 2);
      this.#k1 = halfSipHash3(0x85ebca6b, 0xc2b2ae35, seed, 3, 4);
    }
  }

  /** The ISN for a connection at time `nowMs`. */
  isn(
    nowMs: number,
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
  ): number {
    const m = Math.floor(nowMs * 250) >>> 0; // RFC 6528 §3: a 4-microsecond timer
    const f = halfSipHash3(
      this.#k0,
      this.#k1,
      localAddr,
      remoteAddr,
      ((localPort << 16) | remotePort) >>> 0,
    );
    return (m + f) >>> 0;
  }
}
