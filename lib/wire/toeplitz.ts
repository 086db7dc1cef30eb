/**
 * The Toeplitz hash NICs use for receive-side scaling (RSS): a 40-byte key
 * slides over the input bit by bit, and every set input bit XORs in the
 * key's current 32-bit window. For IPv4 with TCP the input is source
 * address, destination address, source port and destination port, 12 bytes
 * in network order.
 *
 * @module
 */

/**
 * mTCP's RSS key (its rss.c): forty bytes of 0x05, a symmetric key, so both
 * directions of a flow hash alike.
 */
export const MTCP_RSS_KEY: Uint8Array = new Uint8Array(40).fill(0x05);

/**
 * The Toeplitz hash of `input` under `key` (at least `input.length + 4`
 * bytes long).
 *
 * @example Microsoft's first published vector (IPv4 only)
 * ```ts
 * import assert from "node:assert/strict";
 * import { toeplitzHash } from "./toeplitz.ts";
 * const key = Uint8Array.from("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa".match(/../g)!.map((h) => parseInt(h, 16)));
 * assert.equal(toeplitzHash(key, Uint8Array.of(66, 9, 149, 187, 161, 142, 100, 80)), 0x323e8fc2);
 * ```
 */
export function toeplitzHash(key: Uint8Array, input: Uint8Array): number {
  let result = 0;
  // The key's 32-bit window at the current bit, and the next key bit to shift in.
  let window = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
  let next = 32;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    for (let b = 7; b >= 0; b--) {
      if ((byte >> b) & 1) result = (result ^ window) >>> 0;
      const bit = (key[next >> 3]! >> (7 - (next & 7))) & 1;
      window = ((window << 1) | bit) >>> 0;
      next++;
    }
  }
  return result >>> 0;
}

const TUPLE = new Uint8Array(12);

/**
 * The RSS hash of an IPv4 TCP packet from `saddr:sport` to `daddr:dport`
 * (host-order numbers), under `key` (default mTCP's).
 *
 * @example Microsoft's first published vector (IPv4 with TCP)
 * ```ts
 * import assert from "node:assert/strict";
 * import { rssHashTcp4 } from "./toeplitz.ts";
 * import { parseIpv4Address } from "./address.ts";
 * const key = Uint8Array.from("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa".match(/../g)!.map((h) => parseInt(h, 16)));
 * const h = rssHashTcp4(parseIpv4Address("66.9.149.187")!, parseIpv4Address("161.142.100.80")!, 2794, 1766, key);
 * assert.equal(h, 0x51ccc178);
 * ```
 */
export function rssHashTcp4(
  saddr: number,
  daddr: number,
  sport: number,
  dport: number,
  key: Uint8Array = MTCP_RSS_KEY,
): number {
  const t = TUPLE;
  t[0] = saddr >>> 24;
  t[1] = (saddr >>> 16) & 255;
  t[2] = (saddr >>> 8) & 255;
  t[3] = saddr & 255;
  t[4] = daddr >>> 24;
  t[5] = (daddr >>> 16) & 255;
  t[6] = (daddr >>> 8) & 255;
  t[7] = daddr & 255;
  t[8] = sport >>> 8;
  t[9] = sport & 255;
  t[10] = dport >>> 8;
  t[11] = dport & 255;
  return toeplitzHash(key, t);
}

/**
 * The receive queue of `hash` among `queues`, as mTCP's rss.c models the
 * NIC: the low 7 bits index a 128-entry indirection table filled round
 * robin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rssQueue } from "./toeplitz.ts";
 * assert.equal(rssQueue(0x51ccc178, 4), (0x78 & 0x7f) % 4);
 * ```
 */
export function rssQueue(hash: number, queues: number): number {
  return (hash & 0x7f) % queues;
}
