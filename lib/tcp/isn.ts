/**
 * Initial sequence numbers (RFC 6528): ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), with M a 4-microsecond clock and F a keyed
 * hash. F here is HalfSipHash-2-4 (a 64-bit key, 32-bit output), the function
 * Linux also uses for its sequence numbers' hash; the key is random per stack
 * unless a seed is given (for repeatable simulations).
 *
 * @module
 */

function rotl(x: number, b: number): number {
  return ((x << b) | (x >>> (32 - b))) >>> 0;
}

/** HalfSipHash-2-4 of three 32-bit words under the key (k0, k1). */
export function halfSipHash3(k0: number, k1: number, a: number, b: number, c: number): number {
  let v0 = k0 >>> 0;
  let v1 = k1 >>> 0;
  let v2 = (0x6c796765 ^ k0) >>> 0;
  let v3 = (0x74656462 ^ k1) >>> 0;
  const round = () => {
    v0 = (v0 + v1) >>> 0;
    v1 = rotl(v1, 5) ^ v0;
    v0 = rotl(v0, 16);
    v2 = (v2 + v3) >>> 0;
    v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) >>> 0;
    v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) >>> 0;
    v1 = rotl(v1, 13) ^ v2;
    v2 = rotl(v2, 16);
  };
  for (const m of [a >>> 0, b >>> 0, c >>> 0]) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  const last = (12 << 24) >>> 0; // message length in the top byte, no tail
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
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
