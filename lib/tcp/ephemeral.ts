/**
 * Ephemeral port selection by RFC 6056 §3.3.3 (Algorithm 3, "Simple
 * Hash-Based"): the search for a free local port starts at an offset that a
 * keyed hash gives each destination (local address, remote address and
 * port), plus a counter that moves on with every port tried. A new process
 * has a new key, so a client restarted against the same server does not walk
 * the same ports in the same order into the server's TIME-WAIT pairs, and an
 * off-path attacker cannot guess the ports in use.
 *
 * @module
 */

import { halfSipHash3 } from "./isn.ts";

/** Linux's default ip_local_port_range: 32768 to 60999. */
export const EPHEMERAL_RANGE: readonly [number, number] = Object.freeze([
  32768,
  60999,
]) as readonly [
  number,
  number,
];

/**
 * Picks local ports for active opens.
 *
 * @example Two destinations start their searches at different ports; a port
 * in use is skipped
 * ```ts
 * import assert from "node:assert/strict";
 * import { EphemeralPorts } from "./ephemeral.ts";
 * const ports = new EphemeralPorts(1);
 * const a = ports.pick(0x0a000001, 0x0a000002, 80, () => true);
 * const b = ports.pick(0x0a000001, 0x0a000003, 80, () => true);
 * assert.ok(a >= 32768 && a <= 60999 && b >= 32768 && b <= 60999);
 * const c = ports.pick(0x0a000001, 0x0a000002, 80, (p) => p !== a + 2);
 * assert.notEqual(c, a + 2);
 * ```
 */
export class EphemeralPorts {
  readonly #k0: number;
  readonly #k1: number;
  readonly #min: number;
  readonly #count: number;
  #next = 0;

  /** A random key (or one from `seed`), over the ports `min` to `max`. */
  constructor(seed?: number, min = EPHEMERAL_RANGE[0], max = EPHEMERAL_RANGE[1]) {
    if (seed === undefined) {
      const key = crypto.getRandomValues(new Uint32Array(2));
      this.#k0 = key[0]!;
      this.#k1 = key[1]!;
    } else {
      this.#k0 = halfSipHash3(0x243f6a88, 0x85a308d3, seed, 5, 6);
      this.#k1 = halfSipHash3(0x13198a2e, 0x03707344, seed, 7, 8);
    }
    this.#min = min;
    this.#count = max - min + 1;
  }

  /**
   * A local port for a connection from `localAddr` to `remoteAddr:remotePort`
   * for which `usable(port)` holds (not a listener's, no flow to the same
   * destination, no pair in TIME-WAIT), or -1 when every port fails.
   */
  pick(
    localAddr: number,
    remoteAddr: number,
    remotePort: number,
    usable: (port: number) => boolean,
  ): number {
    // RFC 6056 §3.3.3: offset = F(local_IP, remote_IP, remote_port, secret_key).
    const offset = halfSipHash3(this.#k0, this.#k1, localAddr, remoteAddr, remotePort);
    for (let tries = 0; tries < this.#count; tries++) {
      // `| 0`: the sum past 2^31 makes the remainder a heap number, and a
      // port stored as one boxes the port fields of every socket after it
      // (32 bytes an endpoint, measured with heap snapshots).
      const port = (this.#min + ((offset + this.#next) % this.#count)) | 0;
      this.#next = (this.#next + 1) % this.#count;
      if (usable(port)) return port;
    }
    return -1;
  }
}
