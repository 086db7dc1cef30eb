/**
 * SYN cookies (RFC 4987 §3.6), in Linux's design (net/ipv4/syncookies.c):
 * when a listener's queue is full, the SYN-ACK's sequence number carries
 * what the connection needs and no state is kept; the ACK that returns it
 * rebuilds the connection.
 *
 * The cookie (our ISN) for a SYN with sequence number `sseq`, at minute
 * `count`, is
 *
 *     H0(addresses, ports) + sseq + (count << 24)
 *       + ((H1(addresses, ports, count) + data) mod 2^24)
 *
 * where H0 and H1 are HalfSipHash-2-4 under per-stack random keys (the ISN's
 * hash family) and `data` is the index of the peer's MSS in
 * {@linkcode COOKIE_MSS_TABLE}. A returning ACK's cookie (its ACK number less
 * one) is valid when its minute is the current one or the one before
 * (Linux's MAX_SYNCOOKIE_AGE of 2) and its data is a table index: a forged
 * cookie passes one time in 2^24 / 4, a stale one never.
 *
 * Options beyond the MSS ride in our timestamp, as Linux's
 * cookie_init_timestamp does: when the peer sent timestamps, the low six bits
 * of our TSval hold its window scale (4 bits, 15 for none) and
 * SACK-permitted; the ACK echoes them back in TSecr. Without timestamps the
 * connection has neither window scaling nor SACK.
 *
 * @module
 */

import { halfSipHash3 } from "./isn.ts";

/**
 * The MSS values a cookie can carry (Linux's msstab for IPv4): the SYN's MSS
 * is rounded down to one of these.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COOKIE_MSS_TABLE, cookieMssIndex } from "./syncookie.ts";
 * assert.equal(COOKIE_MSS_TABLE[cookieMssIndex(1460)], 1460);
 * assert.equal(COOKIE_MSS_TABLE[cookieMssIndex(1400)], 1300);
 * assert.equal(COOKIE_MSS_TABLE[cookieMssIndex(100)], 536);
 * ```
 */
export const COOKIE_MSS_TABLE: readonly number[] = Object.freeze([536, 1300, 1440, 1460]);

/** Minutes a cookie stays valid (the current and the previous: Linux's MAX_SYNCOOKIE_AGE). */
export const COOKIE_MAX_AGE = 2;

const COOKIE_BITS = 24;
const COOKIE_MASK = (1 << COOKIE_BITS) - 1;

/**
 * The index in {@linkcode COOKIE_MSS_TABLE} of the largest MSS not above
 * `mss` (0 for anything smaller than the first).
 */
export function cookieMssIndex(mss: number): number {
  for (let i = COOKIE_MSS_TABLE.length - 1; i > 0; i--) if (mss >= COOKIE_MSS_TABLE[i]!) return i;
  return 0;
}

/**
 * The options a cookie connection keeps, carried in the low six bits of our
 * SYN-ACK's TSval: bits 0-3 the peer's window scale (15: none), bit 4
 * SACK-permitted. Linux's bit 5 (ECN) is not used here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCookieOptions, encodeCookieOptions } from "./syncookie.ts";
 * const bits = encodeCookieOptions(7, true);
 * assert.deepEqual(decodeCookieOptions(bits), { windowScale: 7, sackPermitted: true });
 * assert.deepEqual(decodeCookieOptions(encodeCookieOptions(-1, false)), { windowScale: -1, sackPermitted: false });
 * ```
 */
export function encodeCookieOptions(windowScale: number, sackPermitted: boolean): number {
  const ws = windowScale >= 0 && windowScale <= 14 ? windowScale : 0xf;
  return ws | (sackPermitted ? 0x10 : 0);
}

/** The options of {@linkcode encodeCookieOptions}, from a TSecr's low six bits. */
export function decodeCookieOptions(bits: number): { windowScale: number; sackPermitted: boolean } {
  const ws = bits & 0xf;
  return { windowScale: ws === 0xf ? -1 : ws, sackPermitted: (bits & 0x10) !== 0 };
}

/**
 * Our TSval for a cookie SYN-ACK: the clock's value `tsNow` with its low six
 * bits replaced by `options`, and never ahead of the clock, so the
 * connection's later timestamps do not go backwards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cookieTsVal } from "./syncookie.ts";
 * assert.equal(cookieTsVal(1000, 0x17), 983); // 960 | 0x17 = 983 <= 1000
 * assert.equal(cookieTsVal(1000, 0x3f), 959); // 960 | 0x3f = 1023 > 1000: 64 less
 * ```
 */
export function cookieTsVal(tsNow: number, options: number): number {
  let ts = ((tsNow & ~0x3f) | (options & 0x3f)) >>> 0;
  if (((ts - tsNow) | 0) > 0) ts = (ts - 64) >>> 0;
  return ts;
}

/**
 * Makes and checks SYN cookies for one stack: two hash keys, random unless
 * a seed is given (for repeatable simulations).
 *
 * @example A cookie made in one minute is good in the next, not after
 * ```ts
 * import assert from "node:assert/strict";
 * import { SynCookies } from "./syncookie.ts";
 * const jar = new SynCookies();
 * const cookie = jar.make(0x0a000001, 0x0a000002, 40000, 80, 12345, 3, 100);
 * assert.equal(jar.check(0x0a000001, 0x0a000002, 40000, 80, 12345, cookie, 101), 3);
 * assert.equal(jar.check(0x0a000001, 0x0a000002, 40000, 80, 12345, cookie, 102), -1);
 * assert.equal(jar.check(0x0a000001, 0x0a000002, 40001, 80, 12345, cookie, 100), -1);
 * ```
 */
export class SynCookies {
  readonly #k: Uint32Array;

  /** Random keys, or keys derived from `seed`. */
  constructor(seed?: number) {
    if (seed === undefined) this.#k = crypto.getRandomValues(new Uint32Array(4));
    else {
      this.#k = new Uint32Array(4);
      for (let i = 0; i < 4; i++) this.#k[i] = halfSipHash3(0x5ca1ab1e, 0xc0ffee00, seed, i, 77);
    }
  }

  #h0(saddr: number, daddr: number, ports: number): number {
    return halfSipHash3(this.#k[0]!, this.#k[1]!, saddr, daddr, ports);
  }

  #h1(saddr: number, daddr: number, ports: number, count: number): number {
    return halfSipHash3((this.#k[2]! ^ count) >>> 0, this.#k[3]!, saddr, daddr, ports);
  }

  /**
   * The cookie for a SYN from `saddr:sport` to `daddr:dport` with sequence
   * number `sseq`, carrying `data` (an MSS index, 0 to 3), at minute `count`.
   */
  make(
    saddr: number,
    daddr: number,
    sport: number,
    dport: number,
    sseq: number,
    data: number,
    count: number,
  ): number {
    const ports = ((sport << 16) | dport) >>> 0;
    const c = count >>> 0;
    return (this.#h0(saddr, daddr, ports) + sseq + ((c << COOKIE_BITS) >>> 0) +
      ((this.#h1(saddr, daddr, ports, c) + data) & COOKIE_MASK)) >>> 0;
  }

  /**
   * The data (MSS index) of `cookie`, returned by an ACK for the SYN with
   * sequence number `sseq`, at minute `count`; -1 when it is forged, for
   * another connection, or older than {@linkcode COOKIE_MAX_AGE} minutes.
   */
  check(
    saddr: number,
    daddr: number,
    sport: number,
    dport: number,
    sseq: number,
    cookie: number,
    count: number,
  ): number {
    const ports = ((sport << 16) | dport) >>> 0;
    const rest = (cookie - this.#h0(saddr, daddr, ports) - sseq) >>> 0;
    const diff = ((count >>> 0) - (rest >>> COOKIE_BITS)) & (0xffffffff >>> COOKIE_BITS);
    if (diff >= COOKIE_MAX_AGE) return -1;
    const made = (count - diff) >>> 0;
    const data = (rest - this.#h1(saddr, daddr, ports, made)) & COOKIE_MASK;
    return data < COOKIE_MSS_TABLE.length ? data : -1;
  }
}
