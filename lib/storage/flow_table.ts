/**
 * The TCP flow table: (remote address, remote port, local port) to a socket
 * id, in open addressing over typed arrays. Lookups allocate nothing; removal
 * shifts entries back (no tombstones), so the table never degrades. The local
 * address is the interface's own and is not part of the key.
 *
 * @module
 */

/** A fixed-capacity map from a flow's 4-tuple to a non-negative integer. */
export class FlowTable {
  readonly #addr: Uint32Array;
  readonly #ports: Uint32Array;
  readonly #value: Int32Array; // -1 empty
  readonly #mask: number = 0;
  #size = 0;

  /** A table for at least `capacity` flows (kept at most half full). */
  constructor(capacity: number) {
    let n = 16;
    while (n < capacity * 2) n <<= 1;
    this.#mask = n - 1;
    this.#addr = new Uint32Array(n);
    this.#ports = new Uint32Array(n);
    this.#value = new Int32Array(n).fill(-1);
  }

  /** Flows held. */
  get size(): number {
    return this.#size;
  }

  #hash(addr: number, ports: number): number {
    let h = Math.imul(addr ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(ports, 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    return h & this.#mask;
  }

  /** The value for a flow, or -1. */
  get(remoteAddr: number, remotePort: number, localPort: number): number {
    const ports = ((remotePort << 16) | localPort) >>> 0;
    for (let i = this.#hash(remoteAddr, ports);; i = (i + 1) & this.#mask) {
      const v = this.#value[i]!;
      if (v < 0) return -1;
      if (this.#addr[i] === remoteAddr && this.#ports[i] === ports) return v;
    }
  }

  /** Sets a flow's value; false when the table is full. */
  set(remoteAddr: number, remotePort: number, localPort: number, value: number): boolean {
    const ports = ((remotePort << 16) | localPort) >>> 0;
    let i = this.#hash(remoteAddr, ports);
    for (;; i = (i + 1) & this.#mask) {
      if (this.#value[i]! < 0) break;
      if (this.#addr[i] === remoteAddr && this.#ports[i] === ports) {
        this.#value[i] = value;
        return true;
      }
    }
    if (this.#size * 2 >= this.#mask + 1) return false;
    this.#addr[i] = remoteAddr;
    this.#ports[i] = ports;
    this.#value[i] = value;
    this.#size++;
    return true;
  }

  /** Removes a flow; false if it was not there. */
  delete(remoteAddr: number, remotePort: number, localPort: number): boolean {
    const ports = ((remotePort << 16) | localPort) >>> 0;
    let i = this.#hash(remoteAddr, ports);
    for (;; i = (i + 1) & this.#mask) {
      if (this.#value[i]! < 0) return false;
      if (this.#addr[i] === remoteAddr && this.#ports[i] === ports) break;
    }
    // Backward-shift deletion (linear probing): pull later entries of the
    // same cluster into the hole when their home slot allows it.
    let hole = i;
    for (let j = (i + 1) & this.#mask; this.#value[j]! >= 0; j = (j + 1) & this.#mask) {
      const home = this.#hash(this.#addr[j]!, this.#ports[j]!);
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      this.#addr[hole] = this.#addr[j]!;
      this.#ports[hole] = this.#ports[j]!;
      this.#value[hole] = this.#value[j]!;
      hole = j;
    }
    this.#value[hole] = -1;
    this.#size--;
    return true;
  }
}
